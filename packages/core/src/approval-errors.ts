/** The error names a state machine sees from signoff; its Catch clauses match on these. */
export const ApprovalErrors = {
  InvalidRequest: "Approval.InvalidRequest",
  Rejected: "Approval.Rejected",
  TimedOut: "Approval.TimedOut",
} as const;
export type ApprovalErrorName = (typeof ApprovalErrors)[keyof typeof ApprovalErrors];
