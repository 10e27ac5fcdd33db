// Package runio is the run's input and output as `scriptrun run` and
// `scriptrun serve` speak them: a JSON input decoded into the bridge value
// model (Decode), the one JSON object a run answers (Encode), and a
// script's log lines as audit-log events (Logs). The CLI and the service
// share it so their answers are the same bytes.
package runio
