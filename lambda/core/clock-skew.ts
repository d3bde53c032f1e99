/**
 * How far apart two containers' clocks may be without the protocol breaking (stated in the
 * README). Lease, back-off and rejection times are written by one container's clock and
 * compared by another's; Lambda hosts keep time with NTP (Amazon Time Sync), whose error is
 * far below this. The holder of a lease stops asking the issuer this long before its lease
 * lapses, and what it records for others lasts this much longer, so a container whose clock
 * runs up to this far ahead neither takes a lease that is still in use nor ends a back-off early.
 */
export const CLOCK_SKEW_TOLERANCE_MS = 2_000;
