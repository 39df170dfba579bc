// Says so when this phone gets pages but no offline mode. The service worker (the offline app
// shell) only runs in a secure context whose certificate the browser trusts: a volunteer who
// tapped through the certificate warning instead of installing the LAN certificate, or who
// opened an http:// address, can browse but would lose the gate screen when the signal drops.
// Shown as a status-bar notice, in the page's language; the status bar hands the registration
// failure here; an insecure context is noticed here at import.
import { notice } from "./statusbar.js";
import { messages } from "./messages.js";

const MESSAGES = {
  zh: {
    certificate: "离线模式不可用：本机未信任服务器证书。请先安装证书（见使用说明），再重新打开本页；在此之前断网时无法登记。",
    insecure: "离线模式不可用：请用 https:// 开头的地址打开本页；在此之前断网时无法登记。",
  },
  en: {
    certificate: "Offline mode is unavailable: this phone does not trust the server's certificate. Install the certificate (see the instructions), then reopen this page; until then nothing can be captured without network.",
    insecure: "Offline mode is unavailable: open this page at its https:// address; until then nothing can be captured without network.",
  },
};
const t = messages(MESSAGES);

function show(text) {
  notice("offline-mode", text);
  document.body.dataset.offlineMode = "unavailable";
}

/** The service worker could not be registered (certificate not trusted, or refused). */
export function offlineUnavailable(error) {
  console.warn("service worker not registered:", error);
  show(window.isSecureContext ? t.certificate : t.insecure);
}

if (!window.isSecureContext || !("serviceWorker" in navigator)) show(t.insecure);
