// Renders that read IndexedDB are async and can finish out of order (a status event and an
// outbox change a few ms apart): a stale read painting last would show a record that is gone.
// Only the most recently started call may paint.
export function latestOnly(read, paint) {
  let generation = 0;
  return async (...args) => {
    const mine = ++generation;
    const value = await read(...args);
    if (mine === generation) paint(value);
  };
}
