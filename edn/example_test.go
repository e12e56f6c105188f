package edn_test

import (
	"fmt"
	"testing"

	"github.com/eddy-workbench/eddy/edn"
)

// TestStringEscapes: strings are quoted as Clojure's pr quotes them, and
// read back unchanged.
func TestStringEscapes(t *testing.T) {
	for s, want := range map[string]string{
		"plain":          `"plain"`,
		`a "quote"`:      `"a \"quote\""`,
		`back\slash`:     `"back\\slash"`,
		"nl\ntab\tcr\r":  `"nl\ntab\tcr\r"`,
		"ff\fbs\b":       `"ff\fbs\b"`,
		"nul\x00 é ☃":    "\"nul\x00 é ☃\"",
		"\u2028 as is 𝄞": "\"\u2028 as is 𝄞\"",
	} {
		if got := edn.String(s); got != want {
			t.Errorf("String(%q) = %s, want %s", s, got, want)
		}
		back, err := edn.Parse([]byte(edn.String(s)))
		if err != nil || back != s {
			t.Errorf("Parse(String(%q)) = %q, %v", s, back, err)
		}
	}
}

func ExampleParse() {
	v, err := edn.Parse([]byte(`{:valid? true, :net {:servers {:msgs-per-op 2.5}}}`))
	if err != nil {
		panic(err)
	}
	results := v.(*edn.Map)
	net, _ := results.Get(edn.Keyword("net"))
	servers, _ := net.(*edn.Map).Get(edn.Keyword("servers"))
	perOp, _ := servers.(*edn.Map).Get(edn.Keyword("msgs-per-op"))
	fmt.Println(perOp)
	// Output: 2.5
}

func ExampleString() {
	fmt.Println(edn.String(edn.NewMap(
		edn.Keyword("f"), edn.Keyword("txn"),
		edn.Keyword("value"), []any{[]any{edn.Keyword("r"), int64(3), nil}},
		edn.Keyword("nodes"), edn.Set{"n1", "n2"},
	)))
	// Output: {:f :txn, :value [[:r 3 nil]], :nodes #{"n1" "n2"}}
}

func ExampleMarshalJSON() {
	js, err := edn.MarshalJSON(edn.NewMap(edn.Keyword("valid?"), edn.Keyword("unknown"), edn.Keyword("ids"), edn.Set{int64(1), int64(2)}))
	if err != nil {
		panic(err)
	}
	fmt.Println(string(js))
	// Output: {"valid?":"unknown","ids":[1,2]}
}

func ExampleFromJSON() {
	v, err := edn.FromJSON([]byte(`{"type":"read_ok","value":[1,2,3]}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(edn.String(v))
	fmt.Println(edn.String(edn.Keywordize(v)))
	// Output:
	// {"type" "read_ok", "value" [1 2 3]}
	// {:type "read_ok", :value [1 2 3]}
}

func ExamplePretty() {
	fmt.Println(string(edn.Pretty(edn.NewMap(
		edn.Keyword("stable-latencies"), edn.NewMap(int64(0), int64(0), 0.5, int64(80), 0.95, int64(98), 0.99, int64(105), int64(1), int64(109)),
		edn.Keyword("lost"), []any{},
		edn.Keyword("valid?"), true,
	))))
	// Output:
	// {:stable-latencies {0 0, 0.5 80, 0.95 98, 0.99 105, 1 109},
	//  :lost [],
	//  :valid? true}
}

func ExampleMap_Set() {
	m := edn.NewMap(edn.Keyword("a"), int64(1), edn.Keyword("b"), int64(2))
	m.Set(edn.Keyword("a"), int64(3)) // keeps its place
	m.Set(edn.Keyword("c"), int64(4)) // goes last
	m.Each(func(k, v any) { fmt.Print(edn.String(k), "=", v, " ") })
	fmt.Println(m.Len())
	// Output: :a=3 :b=2 :c=4 3
}
