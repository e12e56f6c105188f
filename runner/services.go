package runner

import (
	"fmt"

	"github.com/eddy-workbench/eddy/internal/netsim"
	"github.com/eddy-workbench/eddy/internal/service"
)

// startServices registers Maelstrom's services (lin-kv, seq-kv, lww-kv,
// lin-tso) on the network before any node starts. Each serves one request at
// a time from its delivery goroutine and answers through the network, so
// requests and replies pay the configured latency; the nemesis never cuts
// them off. A service's random choices come from streams of the run's seed
// named for the service and the requesting node (package service).
func (r *run) startServices() error {
	for _, name := range service.Names() {
		svc, err := service.New(name, r.seed)
		if err != nil {
			return err
		}
		err = r.net.Register(name, func(m netsim.Message) {
			reply, problem := svc.Handle(m.Src, m.Body)
			if problem != "" {
				r.problems.add(m.Src, "service:"+name, fmt.Sprintf("node %s sent %s a request it cannot serve (%s): %s; answered with an error", m.Src, name, problem, truncate(m.Body, 120)))
			}
			// A reply to an endpoint that has gone (a node stopped at
			// teardown) has nowhere to go.
			_, _ = r.net.Send(name, m.Src, reply)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
