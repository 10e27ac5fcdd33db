package limits

// Usage is what one run used. Field names match the CLI's JSON output.
type Usage struct {
	Steps       int64 `json:"steps"`
	MemoryBytes int64 `json:"memoryBytes"`
	CPUMs       int64 `json:"cpuMs"`
	WallMs      int64 `json:"wallMs"`
	HostCalls   int64 `json:"hostCalls"`
	OutputBytes int64 `json:"outputBytes"`
	LogBytes    int64 `json:"logBytes"`
}

// ExceededError reports that a run went over one field of its Budget.
// Limit is the field's name (Steps, Timeout, ...), Value the budget's value.
type ExceededError struct {
	Limit string
	Value string
	// Process is set when the process-wide heap ceiling (HeapGuard), not
	// the run's own budget, stopped the run.
	Process bool
}

func (e *ExceededError) Error() string {
	return "limit exceeded: " + e.Limit + " (" + e.Value + ")"
}

// Exceeded returns the error for going over the named field of b.
func Exceeded(b Budget, name string) *ExceededError {
	return &ExceededError{Limit: name, Value: b.Value(name)}
}
