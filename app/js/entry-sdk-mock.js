import liff from "@line/liff";
import { LiffMockPlugin } from "@line/liff-mock";

// LINE's mock plugin: liff.init({ liffId, mock: true }) then runs without LINE. A test (or a
// developer) sets what LINE would answer in window.__yoyakuLiffMock before the page loads, e.g.
// { isLoggedIn: true, getIDToken: "…", getLanguage: "ja", getFriendship: { friendFlag: true } }.
liff.use(new LiffMockPlugin());
const data = window.__yoyakuLiffMock;
if (data) {
  liff.$mock.set((previous) => ({ ...previous, ...data }));
}
window.liff = liff;
