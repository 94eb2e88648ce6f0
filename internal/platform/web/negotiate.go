package web

import (
	"net/http"
	"strconv"
	"strings"
)

// Content negotiation between the two media types Silkgate speaks. JSON is
// the default; XML is chosen when the Accept header prefers it, or — when
// Accept states no preference between the two — when the request body is
// XML. q-values count: "application/json;q=0.5, application/xml" asks for
// XML, and "application/xml;q=0" refuses it.

// acceptance is how much an Accept header wants JSON, XML and HTML, with the
// specificity of the range that decided each (0 none, 1 */*, 2 type/*,
// 3 exact) and where the exact range appeared.
type acceptance struct {
	json, xml, html     float64
	jsonSpec, xmlSpec   int
	htmlSpec            int
	jsonOrder, xmlOrder int
}

func parseAccept(header string) acceptance {
	var a acceptance
	a.jsonOrder, a.xmlOrder = -1, -1
	set := func(q *float64, spec *int, order *int, s int, qv float64, i int) {
		if s > *spec {
			*q, *spec = qv, s
			if order != nil && s == 3 {
				*order = i
			}
		}
	}
	for i, part := range strings.Split(header, ",") {
		params := strings.Split(part, ";")
		mt := strings.ToLower(strings.TrimSpace(params[0]))
		if mt == "" {
			continue
		}
		q := 1.0
		for _, p := range params[1:] {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f >= 0 && f <= 1 {
					q = f
				}
			}
		}
		switch mt {
		case "application/json", "application/problem+json":
			set(&a.json, &a.jsonSpec, &a.jsonOrder, 3, q, i)
		case "application/xml", "text/xml", "application/problem+xml":
			set(&a.xml, &a.xmlSpec, &a.xmlOrder, 3, q, i)
		case "text/html":
			set(&a.html, &a.htmlSpec, nil, 3, q, i)
		case "application/*":
			set(&a.json, &a.jsonSpec, nil, 2, q, i)
			set(&a.xml, &a.xmlSpec, nil, 2, q, i)
		case "text/*":
			set(&a.xml, &a.xmlSpec, nil, 2, q, i)
			set(&a.html, &a.htmlSpec, nil, 2, q, i)
		case "*/*":
			set(&a.json, &a.jsonSpec, nil, 1, q, i)
			set(&a.xml, &a.xmlSpec, nil, 1, q, i)
			set(&a.html, &a.htmlSpec, nil, 1, q, i)
		}
	}
	return a
}

// wantsXML reports whether the response to r should be XML.
func wantsXML(r *http.Request) bool {
	bodyXML := isXML(MediaType(r))
	header := strings.TrimSpace(r.Header.Get("Accept"))
	if header == "" {
		return bodyXML
	}
	a := parseAccept(header)
	switch {
	case a.xml > a.json:
		// Browsers list application/xml below text/html; someone opening an
		// API URL in a browser gets the default, JSON.
		if a.htmlSpec == 3 && a.html > a.xml {
			return false
		}
		return true
	case a.json > a.xml:
		return false
	case a.xmlOrder >= 0 && a.jsonOrder >= 0:
		// Both named with the same weight: the first named wins.
		return a.xmlOrder < a.jsonOrder
	case a.xmlOrder >= 0:
		// XML named, JSON only through a wildcard: XML, unless refused.
		return a.xml > 0
	case a.jsonOrder >= 0:
		return false
	}
	return bodyXML
}
