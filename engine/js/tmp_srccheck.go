package js

type srcErr struct{ Line, Col int; Msg string }
func (e *srcErr) Error() string { return e.Msg }
type srccheckT struct{}
type srccheckError = srcErr
var srccheck srccheckT
func (srccheckT) JS(string, int) error { return nil }
