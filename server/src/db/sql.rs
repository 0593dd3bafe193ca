//! A statement with its arguments, written once for both backends (placeholders are `$1`, `$2`
//! … for both), and the one function that hands the arguments to sqlx.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Database, Encode, Type};

use app::booking::ids::*;

/// An argument of a statement.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(Option<bool>),
    Time(Option<DateTime<Utc>>),
    Date(Option<NaiveDate>),
}

/// A statement and its arguments, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Sql {
    pub text: String,
    pub args: Vec<Value>,
}

/// `sql("SELECT … WHERE id = $1").bind(id)`.
pub fn sql(text: impl Into<String>) -> Sql {
    Sql { text: text.into(), args: Vec::new() }
}

impl Sql {
    pub fn bind(mut self, value: impl Into<Value>) -> Self {
        self.args.push(value.into());
        self
    }

    /// Binds every value and returns their placeholders (`$3, $4, $5`), for `IN (…)`. An empty
    /// list is `NULL`, which matches nothing.
    pub fn bind_list<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> String {
        let mut placeholders = Vec::new();
        for v in values {
            self.args.push(v.into());
            placeholders.push(format!("${}", self.args.len()));
        }
        if placeholders.is_empty() {
            "NULL".to_string()
        } else {
            placeholders.join(", ")
        }
    }

    /// The text of the next placeholder, for statements built in pieces.
    pub fn next_placeholder(&self) -> String {
        format!("${}", self.args.len() + 1)
    }
}

/// Hands the arguments to a sqlx query of any backend that can encode them.
pub fn bind<'q, DB>(
    mut query: sqlx::query::Query<'q, DB, <DB as Database>::Arguments<'q>>,
    args: Vec<Value>,
) -> sqlx::query::Query<'q, DB, <DB as Database>::Arguments<'q>>
where
    DB: Database,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB> + Type<DB>,
    Option<bool>: Encode<'q, DB> + Type<DB>,
    Option<DateTime<Utc>>: Encode<'q, DB> + Type<DB>,
    Option<NaiveDate>: Encode<'q, DB> + Type<DB>,
{
    for arg in args {
        query = match arg {
            Value::Int(v) => query.bind(v),
            Value::Text(v) => query.bind(v),
            Value::Bool(v) => query.bind(v),
            Value::Time(v) => query.bind(v),
            Value::Date(v) => query.bind(v),
        };
    }
    query
}

macro_rules! value_from {
    ($($t:ty => $variant:ident($map:expr)),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::$variant(Some(($map)(v)))
            }
        }
        impl From<Option<$t>> for Value {
            fn from(v: Option<$t>) -> Self {
                Value::$variant(v.map($map))
            }
        }
    )*};
}

value_from!(
    i64 => Int(|v| v),
    u32 => Int(i64::from),
    bool => Bool(|v| v),
    String => Text(|v| v),
    &str => Text(str::to_string),
    &String => Text(|v: &String| v.clone()),
    DateTime<Utc> => Time(|v| v),
    NaiveDate => Date(|v| v),
    ClinicId => Int(|v: ClinicId| v.0),
    ResourceId => Int(|v: ResourceId| v.0),
    MenuId => Int(|v: MenuId| v.0),
    PatientId => Int(|v: PatientId| v.0),
    AppointmentId => Int(|v: AppointmentId| v.0),
    StaffId => Int(|v: StaffId| v.0),
    QuestionId => Int(|v: QuestionId| v.0),
    ExceptionId => Int(|v: ExceptionId| v.0),
    NotificationId => Int(|v: NotificationId| v.0),
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_bind_in_order_and_an_empty_one_matches_nothing() {
        let mut q = sql("").bind(ClinicId(1));
        let list = q.bind_list([PatientId(5), PatientId(7)]);
        assert_eq!(list, "$2, $3");
        assert_eq!(q.args, [Value::Int(Some(1)), Value::Int(Some(5)), Value::Int(Some(7))]);
        assert_eq!(q.bind_list(Vec::<PatientId>::new()), "NULL");
        assert_eq!(q.next_placeholder(), "$4");
        assert_eq!(Value::from(None::<&str>), Value::Text(None));
    }
}
