// What a screen says, in Chinese (the default) or English, picked once from the page's
// <html lang> (set by the server from the browser's languages, Flask-Babel):
//   const t = messages({ zh: { saved: "已保存" }, en: { saved: "Saved" } });
// A page without a lang, or a module run under node, speaks Chinese.

/** "zh" or "en": the language of this page. */
export const LANG = String(globalThis.document?.documentElement.lang || "zh").toLowerCase().startsWith("zh")
  ? "zh" : "en";

/** The dictionary of this page's language out of {zh, en}. */
export function messages(dictionaries) {
  return dictionaries[LANG] ?? dictionaries.zh;
}
