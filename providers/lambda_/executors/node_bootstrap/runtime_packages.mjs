// Module resolve hook (module.register) of the bootstrap, for the runtimes that carry
// AWS's durable execution SDK: ES module imports ignore NODE_PATH, so a bare specifier
// that neither the function's code nor its node_modules resolve is looked up from the
// runtime's own packages (``data.parent``, a file beside their node_modules), as on AWS.
let parent;

export async function initialize(data) {
  parent = data && data.parent;
}

function isBare(specifier) {
  return !specifier.startsWith(".") && !specifier.startsWith("/") && !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(specifier);
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (!parent || !error || error.code !== "ERR_MODULE_NOT_FOUND" || !isBare(specifier)) throw error;
    try {
      return await nextResolve(specifier, { ...context, parentURL: parent });
    } catch {
      throw error;
    }
  }
}
