package hunt

import (
	"slices"
	"strconv"

	"github.com/eddy-workbench/eddy/runner"
)

// FromConfig reads the knobs of a run configuration.
func FromConfig(cfg runner.Config) (Knobs, error) {
	nodes, conc, err := runner.Sizes(cfg)
	if err != nil {
		return Knobs{}, err
	}
	k := Knobs{Nodes: len(nodes), Concurrency: conc, TimeLimit: cfg.TimeLimit, Rate: cfg.Rate}
	if k.TimeLimit == 0 {
		k.TimeLimit = runner.DefaultTimeLimit
	}
	if k.Rate == 0 && !cfg.RateSet {
		k.Rate = runner.DefaultRate
	}
	if slices.Contains(cfg.Nemesis, "partition") {
		k.NemesisInterval = cfg.NemesisInterval
		if k.NemesisInterval == 0 {
			k.NemesisInterval = runner.DefaultNemesisInterval
		}
	}
	return k, nil
}

// Apply returns cfg with its knobs set to k. Nodes are named n0…n(k-1).
func Apply(cfg runner.Config, k Knobs) runner.Config {
	cfg.NodeCount, cfg.Nodes = k.Nodes, nil
	cfg.Concurrency = strconv.Itoa(k.Concurrency)
	cfg.TimeLimit = k.TimeLimit
	cfg.Rate, cfg.RateSet = k.Rate, true
	if k.NemesisInterval > 0 {
		cfg.NemesisInterval = k.NemesisInterval
	}
	return cfg
}
