package explain_test

import (
	"fmt"

	"github.com/eddy-workbench/eddy/edn"
	"github.com/eddy-workbench/eddy/explain"
)

// An explanation of a lost element, as the console shows it and as
// results.edn lists its evidence.
func ExampleExplanation() {
	e := explain.Explanation{
		Checker: "workload",
		Finding: "lost element 17",
		Summary: "element 17 was acknowledged by n1 at 3.200 s; n1's only send of it to n4, at 3.300 s, was dropped by partition {n1 n2}|{n3 n4 n5}.",
		Evidence: []explain.Item{{
			Kind: explain.Message, Time: 3_300_000_000, End: -1, From: "n1", To: "n4", Type: "gossip", Text: "message 17",
			Fate:     explain.Fate{Kind: explain.Dropped, At: 3_300_000_000, Text: "dropped by partition {n1 n2}|{n3 n4 n5}"},
			Index:    -1,
			Messages: []int64{1234},
		}},
		Diagram: "explain-1.svg",
	}
	fmt.Println(e.Paragraph())
	fmt.Println(e.Evidence[0].Line())
	fmt.Println(edn.String(e.Evidence[0].EDN()))
	// Output:
	// lost element 17: element 17 was acknowledged by n1 at 3.200 s; n1's only send of it to n4, at 3.300 s, was dropped by partition {n1 n2}|{n3 n4 n5}. (1 item of evidence, drawn in explain-1.svg)
	// 3.300 s  message n1 → n4 gossip message 17: dropped by partition {n1 n2}|{n3 n4 n5}
	// {:kind :message, :time 3300000000, :from "n1", :to "n4", :type "gossip", :text "message 17", :fate :dropped, :fate-text "dropped by partition {n1 n2}|{n3 n4 n5}", :messages [1234]}
}

func ExampleSeconds() {
	fmt.Println(explain.Seconds(3_312_000_000))
	// Output: 3.312 s
}
