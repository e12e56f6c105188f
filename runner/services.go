package runner

import (
	"fmt"
	"strconv"

	"github.com/eddy-workbench/eddy/internal/netsim"
	"github.com/eddy-workbench/eddy/internal/proto"
	"github.com/eddy-workbench/eddy/internal/service"
)

// startServices registers Maelstrom's services (lin-kv, seq-kv, lww-kv,
// lin-tso) on the network before any node starts. Each serves one request at
// a time from its delivery goroutine and answers through the network, so
// requests and replies pay the configured latency; the nemesis never cuts
// them off. A service's random choices come from streams of the run's seed
// named for the service and the requesting node (package service).
func (r *run) startServices() error {
	r.services = map[string]bool{}
	for _, name := range service.Names() {
		r.services[name] = true
		svc, err := service.New(name, r.seed)
		if err != nil {
			return err
		}
		err = r.net.Register(name, func(m netsim.Message) {
			var reply []byte
			var problem string
			if c := guard("the "+name+" service", r.s.hook, func() { reply, problem = svc.Handle(m.Src, m.Body) }); c != nil {
				r.crashes.add(*c)
				r.problems.add(m.Src, "panic:"+name, c.problem("answered with error 13 (crash)"))
				reply = crashReply(m.Body, "eddy bug: "+name+" panicked: "+c.msg)
			}
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

// crashReply is an error reply (code 13, crash: indefinite) to a request.
func crashReply(req []byte, text string) []byte {
	b := []byte(`{"type":"error","code":13,"text":`)
	b = proto.AppendString(b, text)
	if h, _, err := proto.ParseHeader(req); err == nil && h.HasMsgID {
		b = append(b, `,"in_reply_to":`...)
		b = strconv.AppendInt(b, h.MsgID, 10)
	}
	return append(b, '}')
}
