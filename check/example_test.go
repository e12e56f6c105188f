package check_test

import (
	"fmt"
	"time"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
)

// A test of a node looks at the findings of its workload by their type.
func ExampleFindings() {
	var findings check.Findings = &check.SetFull{
		Valid:    check.Invalid,
		Attempts: 3, Stable: 2,
		Lost:            []any{int64(2)},
		StableLatencies: check.Latencies{Count: 2, P50: 40 * time.Millisecond, Max: 90 * time.Millisecond},
	}
	switch f := findings.(type) {
	case *check.SetFull:
		fmt.Println("lost", f.Lost, "of", f.Attempts, "- median stable latency", f.StableLatencies.P50)
	case *check.Counter:
		fmt.Println("final reads", f.FinalReads)
	}
	fmt.Println(findings.Verdict())
	// Output:
	// lost [2] of 3 - median stable latency 40ms
	// invalid
}

// Findings render as results.edn's :workload map.
func ExampleCounter_EDN() {
	c := &check.Counter{
		Valid:      check.Invalid,
		FinalReads: []any{int64(7), int64(5)},
		Acceptable: []check.Range{{Lo: 7, Hi: 7}, {Lo: 9, Hi: 9}},
		Errors:     []check.Op{{Index: 41, Time: 9e9, Type: check.OK, Process: 2, F: "read", Value: int64(5), Final: true}},
	}
	fmt.Println(string(edn.Pretty(c.EDN())))
	// Output:
	// {:valid? false,
	//  :errors [{:index 41,
	//            :time 9000000000,
	//            :type :ok,
	//            :process 2,
	//            :f :read,
	//            :value 5,
	//            :final? true}],
	//  :final-reads [7 5],
	//  :acceptable [[7 7] [9 9]]}
}

func ExampleOp_EDN() {
	op := check.Op{Index: 3, Time: 1500000, Type: check.Info, Process: 1, F: "broadcast", Value: int64(12),
		Error: []any{edn.Keyword("timeout"), "Client read timeout"}}
	fmt.Println(op)
	fmt.Println(check.Op{Type: check.Info, Process: check.Nemesis, F: "start-partition", Value: edn.Keyword("majority")})
	// Output:
	// {:index 3, :time 1500000, :type :info, :process 1, :f :broadcast, :value 12, :error [:timeout "Client read timeout"]}
	// {:index 0, :time 0, :type :info, :process :nemesis, :f :start-partition, :value :majority}
}

func ExampleRange_Contains() {
	r := check.Range{Lo: 10, Hi: 12}
	fmt.Println(r.Contains(9), r.Contains(10), r.Contains(12), r.Contains(13))
	// Output: false true true false
}

func ExampleOpCounts_Total() {
	c := check.OpCounts{OK: 95, Fail: 3, Info: 2}
	fmt.Println(c.Total(), float64(c.OK)/float64(c.Total()))
	// Output: 100 0.95
}

// A transactional anomaly says in words why the history rules out the
// consistency models asked for.
func ExampleTxnAnomaly() {
	t := &check.Txn{
		Valid:        check.Invalid,
		AnomalyTypes: []string{"G1a"},
		Anomalies: []check.TxnAnomalies{{Type: "G1a", Count: 1, Cases: []check.TxnAnomaly{{
			Type:        "G1a",
			Explanation: "op 17 read key 7 = 2, which only op 11 wrote, a transaction that failed",
		}}}},
		Not: []string{"read-committed"},
	}
	for _, a := range t.Anomalies {
		for _, c := range a.Cases {
			fmt.Printf("%s: %s\n", c.Type, c.Explanation)
		}
	}
	fmt.Println("not", t.Not)
	// Output:
	// G1a: op 17 read key 7 = 2, which only op 11 wrote, a transaction that failed
	// not [read-committed]
}
