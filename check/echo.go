package check

import "github.com/eddy-workbench/eddy/edn"

// Echo is what the echo checker found: every echo whose reply did not
// carry back the text sent.
type Echo struct {
	Valid  Verdict
	Errors []EchoError // in history order of their requests
}

// EchoError is an echo request and its completion, which did not carry
// back the text sent: an ok completion whose reply body (its Value) has
// another :echo, or a fail completion.
type EchoError struct {
	Request, Reply Op
}

// Verdict is the echo checker's verdict: valid when there are no errors.
func (e *Echo) Verdict() Verdict { return e.Valid }

// EDN is {:valid? :errors [["Expected a message with :echo" sent "But
// received" reply] ...]}, as Maelstrom's echo checker writes it.
func (e *Echo) EDN() *edn.Map {
	errs := []any{}
	for _, x := range e.Errors {
		errs = append(errs, []any{"Expected a message with :echo", x.Request.Value, "But received", x.Reply.Value})
	}
	return edn.NewMap(kw("valid?"), e.Valid.EDN(), kw("errors"), errs)
}
