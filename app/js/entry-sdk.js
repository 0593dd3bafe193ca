import liff from "@line/liff";

window.liff = liff;
