package proto

// A minimal stand-in for testify's assert/require, with the same call shapes.
//
// testify v1.12.1 imports go.yaml.in/yaml/v3, whose go.sum lines are missing
// from this module, so any package importing testify fails with "missing
// go.sum entry" until go.sum is fixed (go get github.com/stretchr/testify@v1.12.1).
// Once it is, this file can be deleted and the tests can import
// github.com/stretchr/testify/{assert,require} unchanged.

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

type asserter struct{ fatal bool }

var (
	assert  = asserter{fatal: false}
	require = asserter{fatal: true}
)

func msgOf(args []any) string {
	if len(args) == 0 {
		return ""
	}
	if f, ok := args[0].(string); ok {
		return ": " + fmt.Sprintf(f, args[1:]...)
	}
	return ": " + fmt.Sprint(args...)
}

func (a asserter) check(t testing.TB, ok bool, what string, args []any) bool {
	t.Helper()
	if ok {
		return true
	}
	t.Errorf("%s%s", what, msgOf(args))
	if a.fatal {
		t.FailNow()
	}
	return false
}

func objectsAreEqual(want, got any) bool {
	wb, ok1 := want.([]byte)
	gb, ok2 := got.([]byte)
	if ok1 && ok2 {
		return bytes.Equal(wb, gb)
	}
	return reflect.DeepEqual(want, got)
}

func isNil(x any) bool {
	if x == nil {
		return true
	}
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Chan, reflect.Func, reflect.Interface:
		return v.IsNil()
	}
	return false
}

func (a asserter) Equal(t testing.TB, want, got any, args ...any) bool {
	t.Helper()
	return a.check(t, objectsAreEqual(want, got), fmt.Sprintf("not equal:\nwant: %#v\n got: %#v", want, got), args)
}

func (a asserter) NotEqual(t testing.TB, want, got any, args ...any) bool {
	t.Helper()
	return a.check(t, !objectsAreEqual(want, got), fmt.Sprintf("should differ: %#v", got), args)
}

func (a asserter) True(t testing.TB, v bool, args ...any) bool {
	t.Helper()
	return a.check(t, v, "should be true", args)
}

func (a asserter) False(t testing.TB, v bool, args ...any) bool {
	t.Helper()
	return a.check(t, !v, "should be false", args)
}

func (a asserter) NoError(t testing.TB, err error, args ...any) bool {
	t.Helper()
	return a.check(t, err == nil, fmt.Sprintf("unexpected error: %v", err), args)
}

func (a asserter) Error(t testing.TB, err error, args ...any) bool {
	t.Helper()
	return a.check(t, err != nil, "expected an error", args)
}

func (a asserter) ErrorIs(t testing.TB, err, target error, args ...any) bool {
	t.Helper()
	return a.check(t, errors.Is(err, target), fmt.Sprintf("error %v does not wrap %v", err, target), args)
}

func (a asserter) NotErrorIs(t testing.TB, err, target error, args ...any) bool {
	t.Helper()
	return a.check(t, !errors.Is(err, target), fmt.Sprintf("error %v wraps %v", err, target), args)
}

func (a asserter) ErrorContains(t testing.TB, err error, sub string, args ...any) bool {
	t.Helper()
	return a.check(t, err != nil && strings.Contains(err.Error(), sub), fmt.Sprintf("error %v does not contain %q", err, sub), args)
}

func (a asserter) Contains(t testing.TB, s, sub string, args ...any) bool {
	t.Helper()
	return a.check(t, strings.Contains(s, sub), fmt.Sprintf("%q does not contain %q", s, sub), args)
}

func (a asserter) Len(t testing.TB, obj any, n int, args ...any) bool {
	t.Helper()
	l := reflect.ValueOf(obj).Len()
	return a.check(t, l == n, fmt.Sprintf("length %d, want %d: %#v", l, n, obj), args)
}

func (a asserter) Empty(t testing.TB, obj any, args ...any) bool {
	t.Helper()
	ok := isNil(obj)
	if !ok {
		v := reflect.ValueOf(obj)
		switch v.Kind() {
		case reflect.Slice, reflect.Map, reflect.String, reflect.Chan, reflect.Array:
			ok = v.Len() == 0
		default:
			ok = v.IsZero()
		}
	}
	return a.check(t, ok, fmt.Sprintf("should be empty: %#v", obj), args)
}

func (a asserter) Zero(t testing.TB, obj any, args ...any) bool {
	t.Helper()
	return a.check(t, obj == nil || reflect.ValueOf(obj).IsZero(), fmt.Sprintf("should be zero: %#v", obj), args)
}

func (a asserter) NotNil(t testing.TB, obj any, args ...any) bool {
	t.Helper()
	return a.check(t, !isNil(obj), "should not be nil", args)
}

func (a asserter) Same(t testing.TB, want, got any, args ...any) bool {
	t.Helper()
	w, g := reflect.ValueOf(want), reflect.ValueOf(got)
	ok := w.Kind() == reflect.Pointer && g.Kind() == reflect.Pointer && w.Type() == g.Type() && w.Pointer() == g.Pointer()
	return a.check(t, ok, fmt.Sprintf("not the same pointer: %p %p", want, got), args)
}

func (a asserter) InDelta(t testing.TB, want, got, delta float64, args ...any) bool {
	t.Helper()
	return a.check(t, math.Abs(want-got) <= delta, fmt.Sprintf("%v is not within %v of %v", got, delta, want), args)
}

// ElementsMatch: the two slices hold the same elements, in any order.
func (a asserter) ElementsMatch(t testing.TB, want, got any, args ...any) bool {
	t.Helper()
	w, g := reflect.ValueOf(want), reflect.ValueOf(got)
	ok := w.Len() == g.Len()
	used := make([]bool, g.Len())
	for i := 0; ok && i < w.Len(); i++ {
		found := false
		for j := 0; j < g.Len(); j++ {
			if !used[j] && objectsAreEqual(w.Index(i).Interface(), g.Index(j).Interface()) {
				used[j], found = true, true
				break
			}
		}
		ok = found
	}
	return a.check(t, ok, fmt.Sprintf("elements differ:\nwant: %#v\n got: %#v", want, got), args)
}
