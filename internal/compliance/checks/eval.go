package checks

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/silkgate/silkgate/internal/compliance/rules"
)

// holds reports whether condition c holds for the fact value v (bool,
// float64, string, or []string for the category set). A set holds eq when
// it contains the value and in when it meets the list.
func holds(c rules.Condition, v any) bool {
	if set, ok := v.([]string); ok {
		switch c.Op {
		case "eq":
			return slices.ContainsFunc(set, func(s string) bool { return equal(s, c.Value) })
		case "ne":
			return !slices.ContainsFunc(set, func(s string) bool { return equal(s, c.Value) })
		case "in":
			return slices.ContainsFunc(set, func(s string) bool { return inList(s, c.Value) })
		case "not_in":
			return !slices.ContainsFunc(set, func(s string) bool { return inList(s, c.Value) })
		}
		return false
	}
	switch c.Op {
	case "eq":
		return equal(v, c.Value)
	case "ne":
		return !equal(v, c.Value)
	case "in":
		return inList(v, c.Value)
	case "not_in":
		return !inList(v, c.Value)
	case "lt", "le", "gt", "ge":
		a, ok1 := number(v)
		b, ok2 := number(c.Value)
		if !ok1 || !ok2 {
			return false
		}
		switch c.Op {
		case "lt":
			return a < b
		case "le":
			return a <= b
		case "gt":
			return a > b
		default:
			return a >= b
		}
	}
	return false
}

func inList(v, list any) bool {
	vs, ok := list.([]any)
	if !ok {
		if ss, ok := list.([]string); ok {
			return slices.ContainsFunc(ss, func(s string) bool { return equal(v, s) })
		}
		return equal(v, list)
	}
	return slices.ContainsFunc(vs, func(x any) bool { return equal(v, x) })
}

// equal compares a fact value with a rule's value: numbers as numbers,
// booleans as booleans, text without regard to case.
func equal(a, b any) bool {
	switch x := a.(type) {
	case bool:
		y, ok := b.(bool)
		if !ok {
			if s, isStr := b.(string); isStr {
				y, err := strconv.ParseBool(s)
				return err == nil && y == x
			}
		}
		return ok && x == y
	case float64:
		y, ok := number(b)
		return ok && x == y
	case string:
		switch y := b.(type) {
		case string:
			return strings.EqualFold(x, y)
		default:
			return strings.EqualFold(x, fmt.Sprint(y))
		}
	}
	return false
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case json.Number:
		n, err := x.Float64()
		return n, err == nil
	case string:
		n, err := strconv.ParseFloat(x, 64)
		return n, err == nil
	}
	return 0, false
}
