package worker_test

import (
	"context"

	"github.com/scriptrun/scriptrun/engine"
)

// hostile is a test backend whose "scripts" are commands that try to break
// out of or crash the worker from inside it.
type hostile struct{}

func (hostile) Lang() string { return "hostile" }

func (hostile) Compile(src engine.Source, _ engine.CompileLimits) (engine.Program, error) {
	return src.Code, nil
}

func (hostile) Run(ctx context.Context, p engine.Program, env *engine.Env) (any, error) {
	return p.(string), nil
}
