package runner

import "context"

// WithHook returns cfg with a hook called with the name of each guarded part
// of the run and its analysis as it starts; a test makes it panic.
func WithHook(cfg Config, hook func(string)) Config {
	cfg.hook = hook
	return cfg
}

// AnalyzeWithHook is Analyze with such a hook.
func AnalyzeWithHook(ctx context.Context, dir string, hook func(string)) (Result, error) {
	return analyze(ctx, dir, hook)
}
