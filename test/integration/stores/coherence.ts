/** The documented bound on the two-tier staleness window while connected (docs/deployment.md), in ms. */
export const COHERENCE_BOUND_MS = 1000;
