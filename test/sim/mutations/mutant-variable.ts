/** Marks a process running inside a mutant (its name), so it does not mutate again and knows which cases to expect caught. */
export const MUTANT_VARIABLE = 'WLL_SIM_MUTANT';
