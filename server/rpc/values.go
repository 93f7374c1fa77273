package rpc

import (
	"fmt"
	"math"

	"github.com/stagecraft/stagecraft/compiler/ir"
	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// toValue reads an API value; a text for a field of a date, time,
// datetime or duration kind is read as the language writes those.
func toValue(v *v1.Value, f *ir.Field) (value.Value, error) {
	if v == nil {
		return value.Value{}, nil
	}
	switch k := v.Kind.(type) {
	case nil:
		return value.Value{}, nil
	case *v1.Value_Text:
		if f != nil {
			switch f.Kind {
			case "date":
				return value.ParseDate(k.Text)
			case "datetime":
				return value.ParseDateTime(k.Text)
			case "time":
				return value.ParseClock(k.Text)
			case "duration":
				return value.ParseDuration(k.Text)
			}
		}
		return value.TextOf(k.Text), nil
	case *v1.Value_Number:
		return finite(value.NumberOf(k.Number))
	case *v1.Value_Money:
		if _, err := finite(value.NumberOf(k.Money)); err != nil {
			return value.Value{}, err
		}
		m := value.MoneyOf(k.Money)
		if math.IsInf(m.N, 0) { // kept in cents: ×100 overflows
			return value.Value{}, fmt.Errorf("%s is beyond the largest amount (about ±1.8e306)", value.FormatNumber(k.Money))
		}
		return m, nil
	case *v1.Value_Boolean:
		return value.BoolOf(k.Boolean), nil
	case *v1.Value_Date:
		return value.ParseDate(k.Date)
	case *v1.Value_Datetime:
		return value.ParseDateTime(k.Datetime)
	case *v1.Value_Time:
		return value.ParseClock(k.Time)
	case *v1.Value_Duration:
		return value.ParseDuration(k.Duration)
	case *v1.Value_List:
		var out []value.Value
		for i, e := range k.List.GetValues() {
			x, err := toValue(e, nil)
			if err != nil {
				return value.Value{}, fmt.Errorf("element %d: %v", i+1, err)
			}
			out = append(out, x)
		}
		return value.ListOf(out...), nil
	case *v1.Value_Ref:
		if k.Ref.GetId() == "" {
			return value.Value{}, fmt.Errorf("a reference needs an id")
		}
		return value.RefOf(k.Ref.GetEntity(), k.Ref.GetId()), nil
	case *v1.Value_Address:
		if k.Address.GetValue() == "" {
			return value.Value{}, fmt.Errorf("an address needs a value")
		}
		return value.TypedText(k.Address.GetType(), k.Address.GetValue()), nil
	}
	return value.Value{}, fmt.Errorf("unknown kind of value %T", v.Kind)
}

func finite(v value.Value) (value.Value, error) {
	if math.IsNaN(v.N) || math.IsInf(v.N, 0) {
		return value.Value{}, fmt.Errorf("%v is not a finite number", v.N)
	}
	return v, nil
}

// fromValue writes a value for the API.
func fromValue(v value.Value) *v1.Value {
	switch v.K {
	case value.Null:
		return &v1.Value{}
	case value.Text:
		if v.Tag != "" {
			return &v1.Value{Kind: &v1.Value_Address{Address: &v1.Address{Type: v.Tag, Value: v.S}}}
		}
		return &v1.Value{Kind: &v1.Value_Text{Text: v.S}}
	case value.Number:
		return &v1.Value{Kind: &v1.Value_Number{Number: v.N}}
	case value.Money:
		return &v1.Value{Kind: &v1.Value_Money{Money: v.N}}
	case value.Bool:
		return &v1.Value{Kind: &v1.Value_Boolean{Boolean: value.Truth(v)}}
	case value.Date:
		return &v1.Value{Kind: &v1.Value_Date{Date: v.String()}}
	case value.DateTime:
		return &v1.Value{Kind: &v1.Value_Datetime{Datetime: v.String()}}
	case value.Time:
		return &v1.Value{Kind: &v1.Value_Time{Time: v.String()}}
	case value.Duration:
		return &v1.Value{Kind: &v1.Value_Duration{Duration: v.String()}}
	case value.List:
		l := &v1.ValueList{}
		for _, e := range v.L {
			l.Values = append(l.Values, fromValue(e))
		}
		return &v1.Value{Kind: &v1.Value_List{List: l}}
	case value.Ref:
		return &v1.Value{Kind: &v1.Value_Ref{Ref: &v1.Ref{Entity: v.Tag, Id: v.S}}}
	}
	return &v1.Value{Kind: &v1.Value_Text{Text: v.String()}} // a record: its link or name
}

// fieldsIn reads a request's fields for an entity of the program.
func fieldsIn(p *ir.Program, entity string, in map[string]*v1.Value) (map[string]value.Value, error) {
	var ent *ir.Entity
	for _, e := range p.Entities {
		if e.Name == entity {
			ent = e
		}
	}
	out := make(map[string]value.Value, len(in))
	for name, v := range in {
		var f *ir.Field
		if ent != nil {
			for _, x := range ent.Fields {
				if x.Name == name {
					f = x
				}
			}
		}
		x, err := toValue(v, f)
		if err != nil {
			return nil, invalid("field %q: %v", name, err)
		}
		out[name] = x
	}
	return out, nil
}

func itemOut(it *engine.ItemInfo) *v1.Item {
	out := &v1.Item{Id: it.ID, Entity: it.Entity, Pipeline: it.Pipeline, Fields: map[string]*v1.Value{}}
	for k, v := range it.Fields {
		if v.IsNull() {
			continue
		}
		out.Fields[k] = fromValue(v)
	}
	if s, ok := it.Fields["stage"]; ok {
		out.Stage = s.S
	}
	return out
}

func timelineOut(es []engine.Entry) []*v1.TimelineEntry {
	out := make([]*v1.TimelineEntry, 0, len(es))
	for _, e := range es {
		out = append(out, &v1.TimelineEntry{Time: e.Time, Seq: e.Seq, Item: e.Item, Stage: e.Stage, Rule: e.Rule, Text: e.Text})
	}
	return out
}
