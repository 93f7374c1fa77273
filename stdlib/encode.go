package stdlib

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// Encodings for a webhook's request (R-WEBHOOK). A template inserts a
// value as it is, which is right in a message and wrong in a URL's query
// or a JSON payload: a title "Sofa & stół" ends the query's parameter at
// the &, a title with a quote ends the JSON string. These write a value
// so that it stays one value there, as Terraform's urlencode and
// jsonencode do: "https://x.example/api?t={url_encode(deal.title)}",
// "\{\"title\": {json_encode(deal.title)}\}".
var encodeFuncs = []Func{
	{Decl: &types.FuncDecl{Name: "url_encode", Arity: 1, Check: printableToText("url_encode"),
		Doc: `a value escaped for a URL's query or path: "Sofa & stół 2+1" is Sofa%20%26%20st%C3%B3%C5%82%202%2B1; an e-mail or phone field, its first address, as a template inserts it (null: an empty text)`},
		Run: func(a []value.Value) value.Value {
			// A space as %20, not +: a path reads + as a plus sign.
			return value.TextOf(strings.ReplaceAll(url.QueryEscape(inserted(a[0]).String()), "+", "%20"))
		}},
	{Decl: &types.FuncDecl{Name: "json_encode", Arity: 1, Check: printableToText("json_encode"),
		Doc: `a value as JSON, for a payload: a text as a quoted string with its escapes, a number or amount as a number, a bool as true or false, a date or time as a string, a list as an array, null as null`},
		Run: func(a []value.Value) value.Value { return value.TextOf(string(appendJSON(nil, a[0]))) }},
}

// inserted is what a template inserts for v: of an e-mail or phone
// field (a list of typed addresses), the first address.
func inserted(v value.Value) value.Value {
	if v.K == value.List && len(v.L) > 0 && v.L[0].Tag != "" {
		return v.L[0]
	}
	return v
}

func printableToText(name string) func([]*types.Type) (*types.Type, string) {
	return func(a []*types.Type) (*types.Type, string) {
		if types.Printable(a[0]) {
			return types.TextType, ""
		}
		return nil, name + " takes a value a text can hold, not " + a[0].String()
	}
}

// appendJSON writes v as a JSON value, as a reader of the payload takes it.
func appendJSON(b []byte, v value.Value) []byte {
	switch v.K {
	case value.Null:
		return append(b, "null"...)
	case value.Number, value.Money:
		// As a template writes it, 1000000 not 1e+06, which a reader
		// decoding into an integer refuses (finite: the value domain).
		return append(b, value.FormatNumber(v.N)...)
	case value.Bool:
		return strconv.AppendBool(b, value.Truth(v))
	case value.List:
		b = append(b, '[')
		for i, e := range v.L {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e)
		}
		return append(b, ']')
	}
	return appendJSONString(b, v.String())
}

// appendJSONString writes s as a JSON string with & < > as they are: a
// payload is not HTML, and "Sofa & stół" reads so at the other end too.
func appendJSONString(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string: cannot fail
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}
