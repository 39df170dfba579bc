// The page's CSRF token lives in body[hx-headers] and in the hidden csrf_token fields. It is tied
// to the session the page was rendered with: a page left open on a phone that went offline can
// come back to a rotated session (a login in another tab, a new server key) and every POST then
// gets 400 with X-CSRF-Expired (server/errors.py). Instead of losing what the user did, fetch
// the current session's token (/auth/csrf-token), put it everywhere the page keeps one, and send
// the request again, once. Nothing here touches the DOM at import time.
const HEADER = "X-CSRFToken";
const RETRY = "X-CSRF-Retry"; // marks the one retry, so a second refusal is shown, not looped

/** The token the page holds now, or null. */
export function token() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")[HEADER] || null;
  } catch (error) {
    return null;
  }
}

export function isExpired(status, header) {
  return status === 400 && header === "1";
}

let pending = null; // one refresh at a time, shared by every request that needs it

/** Fetch the session's current token and install it in the page; rejects when logged out. */
export function refresh() {
  pending ??= (async () => {
    try {
      // A logged-out session is redirected to the login page: "manual" turns that into a failure.
      const response = await fetch("/auth/csrf-token", {
        credentials: "same-origin", redirect: "manual", cache: "no-store",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(`csrf token: HTTP ${response.status || "redirect"}`);
      const fresh = (await response.json()).token;
      install(fresh);
      return fresh;
    } finally {
      pending = null;
    }
  })();
  return pending;
}

function install(fresh) {
  let headers = {};
  try {
    headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
  } catch (error) { /* rebuilt below */ }
  headers[HEADER] = fresh;
  document.body.setAttribute("hx-headers", JSON.stringify(headers));
  for (const input of document.querySelectorAll("input[name='csrf_token']")) input.value = fresh;
}

/** fetch() with the page's token; refused for a stale token, refresh it and send again once. */
export async function post(url, init = {}) {
  const send = (value) => fetch(url, {
    method: "POST", credentials: "same-origin", ...init,
    headers: { ...(init.headers || {}), [HEADER]: value || "" },
  });
  const response = await send(token());
  if (!isExpired(response.status, response.headers.get("X-CSRF-Expired"))) return response;
  return send(await refresh());
}

/** htmx requests (supervisor pages): the same single retry, with the form's current values. */
export function retryHtmxOnExpiredToken(root = document) {
  root.addEventListener("htmx:beforeSwap", (event) => {
    const { xhr, requestConfig } = event.detail;
    if (!isExpired(xhr.status, xhr.getResponseHeader("X-CSRF-Expired"))) return;
    const source = requestConfig.elt;
    const showRefusal = () => source.insertAdjacentHTML("afterend", xhr.responseText);
    event.detail.shouldSwap = false;
    if (requestConfig.headers[RETRY]) {
      showRefusal(); // refused twice: the server's "reload the page" message
      return;
    }
    // htmx reads the form's fields and body[hx-headers] again, so the retry carries the fresh
    // token and whatever the user typed; target and swap come from the same element.
    refresh().then(() => window.htmx.ajax(requestConfig.verb, requestConfig.path,
      { source, headers: { [RETRY]: "1" } })).catch(showRefusal);
  });
  // The user already confirmed the first attempt (hx-confirm): do not ask again for the retry.
  root.addEventListener("htmx:confirm", (event) => {
    if (!event.detail.etc?.headers?.[RETRY]) return;
    event.preventDefault();
    event.detail.issueRequest(true);
  });
}
