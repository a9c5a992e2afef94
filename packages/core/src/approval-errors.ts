/** The error names a state machine sees from signoff; its Catch clauses match on these. */
export const ApprovalErrors = {
  InvalidRequest: "Approval.InvalidRequest",
  Rejected: "Approval.Rejected",
  TimedOut: "Approval.TimedOut",
  /** The request could not be emailed to every approver, after every attempt it was given. */
  DeliveryFailed: "Approval.DeliveryFailed",
} as const;
export type ApprovalErrorName = (typeof ApprovalErrors)[keyof typeof ApprovalErrors];
