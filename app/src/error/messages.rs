//! Every error message, in Japanese and English: the one place where problems and refused fields
//! become words. Messages say what happened and what to do, never how the server works inside.

use super::{Missing, Problem, Reason};
use crate::booking::format::datetime_label;
use crate::i18n::Lang;

/// What the reader is told about `problem`.
pub fn problem(problem: &Problem, lang: Lang) -> String {
    use Problem::*;
    let pick = |ja: &str, en: &str| lang.pick(ja, en).to_string();
    match problem {
        BadRequest(_) => pick(
            "リクエストを読み取れませんでした。ページを開き直してからもう一度お試しください。",
            "The request could not be read. Please reload the page and try again.",
        ),
        Invalid(_) => pick("入力内容を確認してください。", "Please check the highlighted fields."),
        TooLarge => pick("送信された内容が大きすぎます。", "What was sent is too large."),
        SignInRequired => pick("ログインが必要です。ページを開き直してください。", "Please sign in again: reopen this page."),
        WrongPassword => pick("メールアドレスまたはパスワードが違います。", "The e-mail address or password is wrong."),
        LineSignInExpired => {
            pick("LINEのログインの有効期限が切れました。もう一度ログインしてください。", "Your LINE sign-in has expired. Please sign in again.")
        }
        LineSignInRejected(_) => {
            pick("LINEのログインを確認できませんでした。もう一度お試しください。", "Your LINE sign-in could not be verified. Please try again.")
        }
        CsrfRejected => pick("画面を開き直してからもう一度お試しください。", "Reload the page and try again."),
        OwnerOnly => pick("この操作は院長(オーナー)のみできます。", "Only the clinic's owner can do this."),
        WrongSignIn { line: true } => pick("この医院ではLINEでログインしてください。", "Please sign in with LINE for this clinic."),
        WrongSignIn { line: false } => pick("この医院はLINE連携が設定されていません。", "This clinic is not connected to LINE."),
        NotFound(Missing::Clinic) => pick("医院が見つかりません。", "Clinic not found."),
        NotFound(Missing::Menu) => pick("このメニューは予約できません。", "This menu cannot be booked."),
        NotFound(Missing::Appointment) => pick("予約が見つかりません。", "Appointment not found."),
        NotFound(Missing::Patient) => pick("患者が見つかりません。", "Patient not found."),
        NotFound(Missing::Other) => pick("見つかりませんでした。", "Not found."),
        PlaceTaken => {
            pick("申し訳ありません。この枠は先ほど埋まりました。別の時間をお選びください。", "Sorry, this place was just taken. Please choose another time.")
        }
        AlreadyBooked => pick("この日にはすでに同じメニューのご予約があります。", "You already have a booking of this menu on that day."),
        AlreadyMoving => pick(
            "このご予約の日時変更はすでに申し込み中です。医院からのお返事をお待ちください。",
            "A change of this visit is already waiting for the clinic's answer.",
        ),
        ClosureHasVisits { count } => match lang {
            Lang::Ja => format!("この日には予約・お申し込みが{count}件あります。取り消して患者さんにお知らせするか、日付を見直してください。"),
            Lang::En => format!("{count} requests or visits fall on this day. Cancel them (each patient is told) or choose another day."),
        },
        HoursHaveVisits { count } => match lang {
            Lang::Ja => {
                format!("この変更で時間外になる予約・お申し込みが{count}件あります。取り消して患者さんにお知らせするか、変更を見直してください。")
            }
            Lang::En => format!("{count} requests or visits would fall outside the hours. Cancel them (each patient is told) or change your plan."),
        },
        PatientHasVisits { count } => match lang {
            Lang::Ja => {
                format!("この患者さまには、これからの予約・お申し込みが{count}件あります。先に取り消して(患者さまにお知らせが届きます)から削除してください。")
            }
            Lang::En => format!("This patient has {count} requests or visits to come. Cancel them first (the patient is told), then erase."),
        },
        BookingLimit { limit } => match lang {
            Lang::Ja => {
                format!("この医院で同時にお持ちいただけるご予約・お申し込みは{limit}件までです。受診が済むか、ご予約を取り消してからお申し込みください。")
            }
            Lang::En => {
                format!("You can hold up to {limit} requests and upcoming visits at this clinic. Please book again after a visit, or cancel one first.")
            }
        },
        RateLimited => pick(
            "短い時間にたくさんの操作がありました。1分ほど待ってからもう一度お試しください。",
            "Too many requests in a short time. Please wait a minute and try again.",
        ),
        StatusChanged { current } => match lang {
            Lang::Ja => format!("この予約はすでに変更されています(現在: {})。画面を更新しました。", current.label(lang)),
            Lang::En => format!("This appointment was already changed (now: {}). The page has been refreshed.", current.label(lang)),
        },
        HoldExpired => pick(
            "保留期限を過ぎたため、この予約は確定できません。お手数ですが、もう一度ご予約ください。",
            "The hold has run out, so this can no longer be confirmed. Please book again.",
        ),
        PastCutOff { deadline, time_zone } => {
            let deadline = datetime_label(*deadline, *time_zone, lang);
            match lang {
                Lang::Ja => format!("キャンセル期限({deadline})を過ぎているため、ここではキャンセルできません。お電話で医院にご連絡ください。"),
                Lang::En => format!("The cancellation deadline ({deadline}) has passed, so this visit cannot be cancelled here. Please call the clinic."),
            }
        }
        VisitNotYet => pick("この予約はまだその時刻になっていません。", "This visit has not come yet."),
        NotAProposal => pick("この予約はご提案ではありません。", "This is not a proposal from the clinic."),
        ProposalAwaitsPatient => pick("これは医院からのご提案です。患者さんの返答をお待ちください。", "This is the clinic's proposal: the patient answers it."),
        NoticeOutOfDate => pick("この通知の内容はもう正しくないため、再送できません。", "This notice is no longer true, so it is not sent again."),
        NoticeNotFailed => pick("送信に失敗した通知だけを再送できます。", "Only a failed notice can be sent again."),
        EmailTaken => pick("このメールアドレスはすでに使われています。", "This e-mail address is already in use."),
        SlugTaken => pick("この医院のアドレス名はすでに使われています。", "This clinic address name is already taken."),
        LastOwner => pick("有効なオーナー(院長)が最低1人必要です。", "The clinic must keep at least one active owner."),
        OwnAccount => pick("自分のアカウントは無効化・降格できません。", "You cannot disable or demote your own account."),
        QuestionAnswered => pick(
            "この質問には患者さんの回答があるため削除できません。文言を変更してください。",
            "Patients have answered this question, so it cannot be removed. Change its wording instead.",
        ),
        IdempotencyKeyReused => {
            pick("この操作は別の操作と重なっています。画面を開き直してください。", "This request repeats another one. Please reload the page.")
        }
        TooManyAttempts { minutes } => match lang {
            Lang::Ja => format!("失敗が続いたため、一時的にロックしています。{minutes}分ほど待ってからお試しください。"),
            Lang::En => format!("Too many failed attempts: locked for now. Please wait about {minutes} minutes and try again."),
        },
        WrongCode { left } => match lang {
            Lang::Ja => format!("確認コードが違います。メールの6桁の数字をもう一度ご確認ください(あと{left}回)。"),
            Lang::En => format!("That code is not right. Check the 6 digits in the e-mail and try again ({left} tries left)."),
        },
        CodesUsedUp => pick(
            "確認コードの入力・再送の回数を超えたため、仮予約を取り消しました。お手数ですが、最初からご予約ください。",
            "Too many codes were tried or sent, so the held time was let go. Please book again from the start.",
        ),
        TooManyWaiting => pick(
            "確認コードの入力を待っている仮予約が多すぎます。届いたメールのコードを入力するか、15分ほど待ってからお試しください。",
            "Too many requests are waiting for their e-mail code. Enter the code you received, or wait 15 minutes and try again.",
        ),
        QuestionsChanged => pick(
            "医院の問診の内容が変わったため、このご予約はここでは変更できません。お手数ですが、新しくご予約のうえ、こちらのご予約をキャンセルしてください。",
            "The clinic's questions have changed, so this visit cannot be moved here. Please book a new time, then cancel this one.",
        ),
        SecretKeyMissing => pick(
            "このサーバーにはLINEの認証情報を暗号化する鍵(YOYAKU_SECRET_KEY)が設定されていないため、保存できません。サーバーの管理者に設定を依頼してください。",
            "This server has no key to encrypt LINE credentials with (YOYAKU_SECRET_KEY), so they cannot be saved. Ask whoever runs the server to set one.",
        ),
        LineUnavailable(_) => {
            pick("LINEに接続できませんでした。しばらくしてからお試しください。", "LINE cannot be reached right now. Please try again shortly.")
        }
        LineNotConnected => pick(
            "LINEのチャネルアクセストークンが設定されていません。先に「LINE連携」で設定してください。",
            "No LINE channel access token is set. Set one under “LINE channels” first.",
        ),
        Queue(crate::booking::queue::QueueRefusal::Moved) => pick(
            "ほかの端末で順番が進んでいました。いまの順番を表示しましたので、もう一度ご確認ください。",
            "The queue moved on at another desk. It now shows as it is: please check, then press again.",
        ),
        Queue(crate::booking::queue::QueueRefusal::NobodyWaiting) => pick("お待ちの方はいません。", "Nobody is waiting."),
        Queue(crate::booking::queue::QueueRefusal::NobodyCalled) => {
            pick("いまお呼びしている方はいません。画面を更新しました。", "Nobody is being called now. The page shows the queue as it is.")
        }
        Queue(crate::booking::queue::QueueRefusal::NotSkipped) => {
            pick("この番号はすでに呼び出し済みか、不在になっています。", "This number was already recalled or marked absent.")
        }
        NotToday => pick("受付は予約の当日だけできます。", "You can check in only on the day of your visit."),
        LineRefused(_) => pick(
            "LINEに受け付けられませんでした。チャネルアクセストークンが正しいか、LINE Developersコンソールでご確認ください。内容はサーバーの記録に残っています。",
            "LINE refused the request. Check the channel access token in the LINE Developers console; LINE's reason is in the server's log.",
        ),
        Unavailable(_) | Internal(_) => {
            pick("一時的なエラーが発生しました。しばらくしてからもう一度お試しください。", "A temporary error occurred. Please try again shortly.")
        }
    }
}

/// What the reader is told next to a refused field.
pub fn reason(reason: &Reason, lang: Lang) -> String {
    use Reason::*;
    let pick = |ja: &str, en: &str| lang.pick(ja, en).to_string();
    match reason {
        Required => pick("入力してください。", "Please fill this in."),
        TooLong { max } => match lang {
            Lang::Ja => format!("{max}文字以内で入力してください。"),
            Lang::En => format!("Please keep it within {max} characters."),
        },
        OutOfRange { min, max } => match lang {
            Lang::Ja => format!("{min}〜{max}の数字で入力してください。"),
            Lang::En => format!("Please enter a whole number from {min} to {max}."),
        },
        NotKana => pick("フリガナはカタカナかひらがなで入力してください。", "Please write the furigana in katakana or hiragana."),
        NotPhone => pick(
            "電話番号は0から始まる10桁か11桁の数字で入力してください(例: 090-1234-5678)。",
            "Please enter a Japanese phone number of 10 or 11 digits starting with 0 (e.g. 090-1234-5678).",
        ),
        NotDate => pick("日付を正しく入力してください。", "Please enter a valid date."),
        BirthDate => pick("生年月日を確かめてください。", "Please check your date of birth."),
        NotYesNo => pick("「はい」か「いいえ」を選んでください。", "Please choose yes or no."),
        NotAChoice => pick("選択肢から選んでください。", "Please pick one of the choices."),
        MustConsent => pick("個人情報の取り扱いに同意してください。", "Please agree to the privacy notice."),
        NotHours => pick("「9:00-12:30, 14:00-18:00」の形で入力してください(休みは空欄)。", "Write the hours as \"9:00-12:30, 14:00-18:00\" (empty: closed)."),
        OpensAfterCloses => pick("開始は終了より前にしてください。", "Each interval must open before it closes."),
        OutsideDay => pick("時刻は00:00〜24:00で入力してください。", "Times must be between 00:00 and 24:00."),
        Overlap => pick("時間帯が重なっています。", "The intervals overlap."),
        NotATime => pick("時刻を入力してください(例: 14:00)。", "Please enter a time (e.g. 14:00)."),
        ChooseOne => pick("選んでください。", "Please choose one."),
        GiveAReason => pick("理由を選ぶか入力してください。", "Choose or type a reason."),
        NotTheClinics => pick("この医院のものから選んでください。", "Please choose one of this clinic's."),
        TooFewChoices => pick("選択肢を1行に1つ、2つ以上入力してください。", "Please enter at least two choices, one a line."),
        ChoicesDiffer => pick("英語の選択肢は日本語と同じ数・同じ順にしてください。", "Please give the same choices in English, in the same order."),
        PasswordTooShort { min } => match lang {
            Lang::Ja => format!("パスワードは{min}文字以上にしてください。"),
            Lang::En => format!("The password must have at least {min} characters."),
        },
        NotCode => pick("メールに記載の6桁の数字を入力してください。", "Please type the 6 digits from the e-mail."),
        NotEmail => pick("メールアドレスを正しく入力してください。", "Please enter a valid e-mail address."),
        NotLiffId => pick("LIFF IDは「1657000000-AbCdEfGh」の形です。", "A LIFF ID looks like 1657000000-AbCdEfGh."),
        NotChannelId => pick("LINEログインのチャネルIDは数字です。", "The LINE Login channel ID is a number."),
        NotHttps => pick("https:// で始まるURLを入力してください。", "Please enter an https:// address."),
        NotSecret => pick("チャネルシークレットの形式が正しくありません。", "The channel secret does not look right."),
        NotToken => pick("チャネルアクセストークンの形式が正しくありません。", "The channel access token does not look right."),
        NotTemplateName => pick(
            "テンプレート名は英数字と _ で入力してください(言語の _ja / _en は付けません)。",
            "Enter the template name in letters, digits and _ (without the language's _ja / _en).",
        ),
        NotSlug => pick("アドレス名は半角英小文字・数字・ハイフンで入力してください。", "Use lower-case letters, digits and hyphens."),
        NotOrigin => pick(
            "ウェブサイトのアドレスを「https://www.example.jp」の形で、1行に1つ入力してください。",
            "Enter each website as https://www.example.jp, one a line.",
        ),
        TooMany { max } => match lang {
            Lang::Ja => format!("{max}件までにしてください。"),
            Lang::En => format!("Please list at most {max}."),
        },
        MenusChanged => pick(
            "医院のメニューが変わったため、この画像ではボタンが合いません。画像を作り直してください。",
            "The clinic's menus have changed, so this picture no longer matches the buttons. Please make the picture again.",
        ),
        NotPngOrJpeg => pick("PNGかJPEGの画像を選んでください。", "Please choose a PNG or JPEG picture."),
        ImageTooLarge { max_kb } => match lang {
            Lang::Ja => format!("画像は{max_kb}KBまでにしてください。"),
            Lang::En => format!("The picture must be at most {max_kb} KB."),
        },
        ImageSize { width, height, want_width, want_height } => match lang {
            Lang::Ja => format!("画像の大きさは幅{want_width}×高さ{want_height}ピクセルにしてください(選んだ画像は{width}×{height})。"),
            Lang::En => format!("The picture must be {want_width}×{want_height} pixels (this one is {width}×{height})."),
        },
    }
}
