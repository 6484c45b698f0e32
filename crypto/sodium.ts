import sodiumModule from 'libsodium-wrappers-sumo';

/** Resolves once libsodium's WebAssembly is loaded. Call once before any other crypto/ function. */
export async function ready(): Promise<void> {
  await sodiumModule.ready;
}

/** The loaded libsodium instance; throws if `ready()` has not finished, so misuse fails loudly. */
export function sodium(): typeof sodiumModule {
  // crypto_generichash is a function only after the wasm module has loaded.
  if (typeof sodiumModule.crypto_generichash !== 'function') {
    throw new Error('crypto: call `await ready()` before using crypto functions');
  }
  return sodiumModule;
}
