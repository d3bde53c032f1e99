/** 127.0.0.0/8, localhost or [::1]: a server on this machine, which may be called over plain http. */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}
