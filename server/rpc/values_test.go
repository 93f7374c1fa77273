package rpc

import (
	"math"
	"strings"
	"testing"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
)

// TestToValueRefusals: a value the engine cannot hold is refused saying
// what it is: an amount past what cents hold is not "+Inf".
func TestToValueRefusals(t *testing.T) {
	for _, c := range []struct {
		in   *v1.Value
		want string
	}{
		{&v1.Value{Kind: &v1.Value_Money{Money: 1e307}}, "1e+307 is beyond the largest amount"},
		{&v1.Value{Kind: &v1.Value_Money{Money: math.Inf(-1)}}, "-Inf is not a finite number"},
		{&v1.Value{Kind: &v1.Value_Number{Number: math.NaN()}}, "NaN is not a finite number"},
	} {
		_, err := toValue(c.in, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.in, err, c.want)
		}
	}
	if v, err := toValue(&v1.Value{Kind: &v1.Value_Money{Money: 1e300}}, nil); err != nil || v.N != 1e300 {
		t.Errorf("1e300 zł: %v %v", v, err)
	}
}
