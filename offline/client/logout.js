// Logging out with records still on the phone: say how many, and keep them (they are sent
// later with the token of the user who captured them).
import * as outbox from "./outbox.js";
import * as session from "./session.js";

export function guardLogout(form, question) {
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { total } = await outbox.counts();
    if (total > 0 && !window.confirm(question(total))) return;
    await session.release();
    form.submit();
  });
}
