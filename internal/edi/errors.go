package edi

import (
	"errors"
	"fmt"
	"strconv"
)

// Code is a stable, machine-readable error code. Codes never change meaning
// once released: the gateway returns them to partners and partners write
// code against them.
type Code string

// Error codes.
const (
	// CodeSyntax: the bytes are not EDI, a header is truncated, a delimiter is
	// unusable, a segment tag is malformed or a segment is too long.
	CodeSyntax Code = "edi_syntax"
	// CodeEnvelopeMismatch: a trailer's control number differs from its
	// header's (IEA/ISA, GE/GS, SE/ST, UNZ/UNB, UNE/UNG, UNT/UNH).
	CodeEnvelopeMismatch Code = "envelope_mismatch"
	// CodeSegmentCount: a trailer's count (IEA01, GE01, SE01, UNZ, UNE, UNT)
	// differs from what was received.
	CodeSegmentCount Code = "segment_count"
	// CodeUnknownTransaction: the transaction set or message type is missing
	// or malformed (ST01, UNH S009).
	CodeUnknownTransaction Code = "unknown_transaction"
	// CodeUnsupportedTransaction: a well-formed transaction set or message
	// type this package does not map (it is rejected in the acknowledgement).
	CodeUnsupportedTransaction Code = "unsupported_transaction"
	// CodeMissingSegment: a required segment (a trailer, or a header such as
	// BEG or BGM) is absent.
	CodeMissingSegment Code = "missing_segment"
	// CodeUnexpectedSegment: a segment where the envelope structure does not
	// allow one (data outside a transaction set, ST outside a group, a second
	// ISA before IEA).
	CodeUnexpectedSegment Code = "unexpected_segment"
	// CodeInvalidElement: an element's value is missing, malformed or out of
	// range (a quantity that is not a number, an impossible date).
	CodeInvalidElement Code = "invalid_element"
)

// Position locates a segment in the input stream.
type Position struct {
	// Segment is the 1-based index of the segment in the stream. UNA, being
	// service string advice rather than a segment, is not counted.
	Segment int `json:"segment"`
	// Offset is the byte offset of the segment's first byte, counting a
	// byte-order mark if there was one.
	Offset int64 `json:"offset"`
	// Line is the 1-based line on which the segment starts.
	Line int `json:"line"`
}

// Error is a problem found in an interchange. Parse returns an *Error as its
// error for fatal problems, and records non-fatal ones in
// Transaction.Errors, Group.Errors and Interchange.Warnings.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
	Position
	// Tag is the tag of the segment at fault ("SE", "NAD"), or of the
	// segment that was expected when one is missing.
	Tag string `json:"tag,omitempty"`
	// Element and Component are 1-based positions in the segment (SE01 is
	// element 1); 0 when the whole segment is at fault.
	Element   int `json:"element,omitempty"`
	Component int `json:"component,omitempty"`
	// SetPosition is the segment's 1-based position in its transaction set
	// or message (ST or UNH is 1); 0 outside one. Acknowledgements report it.
	SetPosition int `json:"set_position,omitempty"`
	// Value is the offending value, when there is one (cut to 64 bytes).
	Value string `json:"value,omitempty"`

	reason reason
}

// Error implements error.
func (e *Error) Error() string {
	return "edi: " + string(e.Code) + " at " + e.Field() + ": " + e.Message
}

// Field names where the error is, for a 422 response's errors[].field:
// "segment 14 SE01", "segment 7 NAD02-3", or "segment 3" when no tag is known.
func (e *Error) Field() string {
	s := "segment " + strconv.Itoa(e.Segment)
	if e.Tag == "" {
		return s
	}
	s += " " + e.Tag
	if e.Element > 0 {
		s += fmt.Sprintf("%02d", e.Element)
		if e.Component > 0 {
			s += "-" + strconv.Itoa(e.Component)
		}
	}
	return s
}

// CodeOf returns the Code of the first *Error in err's chain, or "" when
// there is none (an I/O error, say).
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// reason refines a Code into what acknowledgements need: the X12 AK3/AK4/AK5
// and AK9 codes and the EDIFACT syntax error code (data element 0085).
type reason uint8

const (
	rNone reason = iota
	rSetNotSupported
	rSetTrailerMissing
	rSetControlMismatch
	rSetCount
	rSetIDInvalid
	rSetControlInvalid
	rSegMissing
	rSegUnexpected
	rElemMissing
	rElemInvalid
	rElemCode
	rElemDate
	rElemTime
	rGroupTrailerMissing
	rGroupControlMismatch
	rGroupCount
	rInterchangeControlMismatch
)

// x12Set is the AK502/IK502 transaction set syntax error code.
func (r reason) x12Set() string {
	switch r {
	case rSetNotSupported:
		return "1"
	case rSetTrailerMissing:
		return "2"
	case rSetControlMismatch:
		return "3"
	case rSetCount:
		return "4"
	case rSetIDInvalid:
		return "6"
	case rSetControlInvalid:
		return "7"
	case rSegMissing, rSegUnexpected, rElemMissing, rElemInvalid, rElemCode, rElemDate, rElemTime:
		return "5"
	}
	return ""
}

// x12Segment is the AK304/IK304 segment syntax error code; "" when the
// reason is not about a segment.
func (r reason) x12Segment() string {
	switch r {
	case rSegUnexpected:
		return "2"
	case rSegMissing:
		return "3"
	case rElemMissing, rElemInvalid, rElemCode, rElemDate, rElemTime:
		return "8"
	}
	return ""
}

// x12Element is the AK403/IK403 data element syntax error code.
func (r reason) x12Element() string {
	switch r {
	case rElemMissing:
		return "1"
	case rElemInvalid:
		return "6"
	case rElemCode:
		return "7"
	case rElemDate:
		return "8"
	case rElemTime:
		return "9"
	}
	return ""
}

// x12Group is the AK905 functional group syntax error code.
func (r reason) x12Group() string {
	switch r {
	case rGroupTrailerMissing:
		return "3"
	case rGroupControlMismatch:
		return "4"
	case rGroupCount:
		return "5"
	}
	return ""
}

// edifact is the syntax error code (0085) used in CONTRL.
func (r reason) edifact() string {
	switch r {
	case rSetNotSupported:
		return "14" // value not supported in this position
	case rSetTrailerMissing, rGroupTrailerMissing, rSegMissing, rElemMissing:
		return "13" // missing
	case rSetControlMismatch, rGroupControlMismatch, rInterchangeControlMismatch:
		return "28" // references do not match
	case rSetCount, rGroupCount:
		return "29" // control count does not match number of instances received
	case rSegUnexpected:
		return "15" // not supported in this position
	case rSetIDInvalid, rSetControlInvalid, rElemInvalid, rElemCode, rElemDate, rElemTime:
		return "12" // invalid value
	}
	return "18" // unspecified error
}

// newError builds an Error for segment s (which may be nil).
func newError(code Code, r reason, s *Segment, elem, comp int, format string, args ...any) *Error {
	e := &Error{Code: code, reason: r, Element: elem, Component: comp, Message: fmt.Sprintf(format, args...)}
	if s != nil {
		e.Position = s.Pos
		e.Tag = s.Tag
		if elem > 0 {
			e.Value = clip(s.Component(elem, max(comp, 1)))
		}
	}
	return e
}

func clip(v string) string {
	if len(v) > 64 {
		return v[:64]
	}
	return v
}
