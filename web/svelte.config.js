// Runes everywhere: legacy `export let` / `$:` syntax is a compile error, not a habit.
export default {
  compilerOptions: { runes: true },
};
