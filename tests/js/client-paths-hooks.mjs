// Resolve hook registered by client-paths.mjs.
const ROOT = new URL("../../", import.meta.url);
const CLIENT = /^\/client\/(offline|scanner)\/(.+)$/;

export async function resolve(specifier, context, next) {
  const match = CLIENT.exec(specifier);
  if (match) return next(new URL(`${match[1]}/client/${match[2]}`, ROOT).href, context);
  return next(specifier, context);
}
