package proto

// ErrorCode describes one of Maelstrom's error codes.
type ErrorCode struct {
	Code     int64
	Name     string // as Maelstrom names it, e.g. "temporarily-unavailable"
	Definite bool   // a definite error means the operation certainly did not happen
}

// Maelstrom's error codes.
const (
	CodeTimeout                = 0
	CodeNodeNotFound           = 1
	CodeNotSupported           = 10
	CodeTemporarilyUnavailable = 11
	CodeMalformedRequest       = 12
	CodeCrash                  = 13
	CodeAbort                  = 14
	CodeKeyDoesNotExist        = 20
	CodeKeyAlreadyExists       = 21
	CodePreconditionFailed     = 22
	CodeTxnConflict            = 30
)

var errorCodes = []ErrorCode{
	{CodeTimeout, "timeout", false},
	{CodeNodeNotFound, "node-not-found", true},
	{CodeNotSupported, "not-supported", true},
	{CodeTemporarilyUnavailable, "temporarily-unavailable", true},
	{CodeMalformedRequest, "malformed-request", true},
	{CodeCrash, "crash", false},
	{CodeAbort, "abort", true},
	{CodeKeyDoesNotExist, "key-does-not-exist", true},
	{CodeKeyAlreadyExists, "key-already-exists", true},
	{CodePreconditionFailed, "precondition-failed", true},
	{CodeTxnConflict, "txn-conflict", true},
}

// LookupError returns the description of an error code. A code Maelstrom
// does not define, or a missing code (has false), is named "unknown" and is
// indefinite.
func LookupError(code int64, has bool) ErrorCode {
	if has {
		for _, e := range errorCodes {
			if e.Code == code {
				return e
			}
		}
	}
	return ErrorCode{Code: code, Name: "unknown", Definite: false}
}
