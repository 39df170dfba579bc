// The home page on the phone. Online, /  is drawn by the server (only what the user's role may
// open) and this module keeps its links in IndexedDB for this user; offline, the service worker
// serves /shell/home and this module draws the kept links. Links that need the server carry
// data-online-only: static/js/links.js shows them disabled, with the reason, while offline.
// Nothing personal is kept: site names, the community's name and the role.
import * as session from "/client/offline/session.js";
import { getConfig, setConfig } from "/client/offline/db.js";
import { element } from "/client/offline/statusbar.js";
import { paint } from "/static/js/links.js";
import { messages } from "/client/offline/messages.js";

const MESSAGES = {
  zh: { noUser: "请先在有网络时登录一次。", nothing: "这部手机上还没有保存首页：请联网后打开一次首页。",
    saved: "离线：显示 {at} 保存的首页。需联网的链接暂不可用。" },
  en: { noUser: "Log in once while online first.", nothing: "No home page saved on this phone yet: open it once online.",
    saved: "Offline: the home page saved at {at}. Links that need the network are disabled." },
};
const t = messages(MESSAGES);
const $ = (id) => document.getElementById(id);

function linkOf(a) {
  return { href: a.getAttribute("href"), className: a.className, onlineOnly: a.hasAttribute("data-online-only"),
    strong: a.querySelector("strong")?.textContent || "", sub: a.querySelector(".muted")?.textContent || "",
    text: a.querySelector("strong") ? "" : a.textContent.trim() };
}

/** What the online home page shows, as plain data. */
function snapshot(root) {
  return {
    title: root.querySelector("h1")?.textContent || "",
    role: root.querySelector("h1 + p")?.textContent || "",
    nav: [...root.querySelectorAll(".subnav a")].map(linkOf),
    lists: [...root.querySelectorAll("h2")].map((h2) => ({
      title: h2.textContent,
      tiles: [...(h2.nextElementSibling?.querySelectorAll("li.tile") || [])]
        .map((li) => [...li.querySelectorAll("a")].map(linkOf)),
    })),
    saved_at: new Date().toISOString(),
  };
}

function drawLink(link) {
  const a = element("a", link.className, link.strong ? undefined : link.text);
  a.setAttribute("href", link.href);
  if (link.onlineOnly) a.setAttribute("data-online-only", "");
  if (link.strong) {
    a.append(element("strong", "", link.strong));
    if (link.sub) a.append(" ", element("span", "muted", link.sub));
  }
  return a;
}

function draw(saved) {
  $("home-title").textContent = saved.title;
  const box = $("home-saved");
  box.replaceChildren();
  box.append(element("p", "muted", saved.role));
  if (saved.nav.length) {
    const nav = element("nav", "subnav");
    saved.nav.forEach((link) => nav.append(drawLink(link)));
    box.append(nav);
  }
  saved.lists.forEach((list) => {
    const ul = element("ul", "tiles");
    list.tiles.forEach((links) => {
      const li = element("li", "tile");
      links.forEach((link) => li.append(drawLink(link)));
      ul.append(li);
    });
    box.append(element("h2", "", list.title), ul);
  });
  paint(box);
}

// Times are shown in the server's local zone (DISPLAY_TIMEZONE, on <html> by base.html).
const ZONE = document.documentElement.dataset.zone;

function time(iso) {
  return new Date(iso).toLocaleString(document.documentElement.lang, { timeZone: ZONE,
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
}

async function main() {
  if (!document.body.dataset.ready) await new Promise((ok) => addEventListener("session-ready", ok, { once: true }));
  const root = $("home");
  const me = await session.current();
  if (root.dataset.mode !== "shell") {
    if (me) await setConfig(`home:${me.user_id}`, snapshot(root));
    root.dataset.ready = "saved";
    return;
  }
  const saved = me && (await getConfig(`home:${me.user_id}`));
  if (!me) $("home-note").textContent = t.noUser;
  else if (!saved) $("home-note").textContent = t.nothing;
  else {
    draw(saved);
    $("home-note").textContent = t.saved.replace("{at}", time(saved.saved_at));
  }
  root.dataset.ready = "drawn";
}

main();
