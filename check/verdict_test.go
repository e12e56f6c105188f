package check_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eddy-workbench/eddy/check"
	"github.com/eddy-workbench/eddy/edn"
)

func TestMergeTruthTable(t *testing.T) {
	const (
		valid   = check.Valid
		unknown = check.Unknown
		invalid = check.Invalid
	)
	cases := []struct {
		in   []check.Verdict
		want check.Verdict
	}{
		{nil, valid},
		{[]check.Verdict{valid}, valid},
		{[]check.Verdict{unknown}, unknown},
		{[]check.Verdict{invalid}, invalid},
		{[]check.Verdict{valid, valid}, valid},
		{[]check.Verdict{valid, unknown}, unknown},
		{[]check.Verdict{unknown, valid}, unknown},
		{[]check.Verdict{valid, invalid}, invalid},
		{[]check.Verdict{invalid, valid}, invalid},
		{[]check.Verdict{unknown, invalid}, invalid},
		{[]check.Verdict{invalid, unknown}, invalid},
		{[]check.Verdict{unknown, unknown}, unknown},
		{[]check.Verdict{valid, unknown, invalid, valid}, invalid},
	}
	for _, c := range cases {
		require.Equal(t, c.want, check.Merge(c.in...), "%v", c.in)
	}
}

func TestVerdictEDN(t *testing.T) {
	for _, v := range []check.Verdict{check.Valid, check.Invalid, check.Unknown} {
		require.Equal(t, v, check.VerdictOf(v.EDN()), "round trip of %v", v)
	}
	require.Equal(t, true, check.Valid.EDN())
	require.Equal(t, false, check.Invalid.EDN())
	require.Equal(t, edn.Keyword("unknown"), check.Unknown.EDN())
	require.Equal(t, check.Unknown, check.VerdictOf(nil))
	require.Equal(t, check.Unknown, check.VerdictOf("true"))
}

func ExampleMerge() {
	fmt.Println(check.Merge(check.Valid, check.Unknown))
	fmt.Println(check.Merge(check.Valid, check.Unknown, check.Invalid))
	fmt.Println(check.Merge())
	// Output:
	// unknown
	// invalid
	// valid
}

func ExampleVerdict_EDN() {
	fmt.Println(edn.String(check.Valid.EDN()), edn.String(check.Invalid.EDN()), edn.String(check.Unknown.EDN()))
	// Output: true false :unknown
}
