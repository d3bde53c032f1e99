// Placeholder so the CDK stack can bundle an entry point; the real handler replaces it.
export const handler = async (): Promise<never> => {
  await Promise.resolve();
  throw new Error('not implemented yet');
};
