package edi

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteAck writes the functional acknowledgement of ic to w: an X12 997 or
// 999 interchange, or an EDIFACT CONTRL. kind "" takes the partner
// profile's preference, else 997 or CONTRL; AckNone writes nothing.
// Acknowledgements are never acknowledged: for an interchange carrying only
// 997, 999 or CONTRL, WriteAck writes nothing (except a TA1 when the X12
// envelope calls for one).
//
// The acknowledgement goes back the way the interchange came: sender and
// receiver swapped, the same delimiters, line breaks and version (ISA12,
// GS08, UNB syntax), and new control numbers from ctl. It accepts or
// rejects every transaction set and says why: for X12, AK3/AK4 (997) or
// IK3/IK4 (999) for segment and element errors and AK5/IK5 for the set,
// AK9 for the group, plus a TA1 when the interchange trailer disagreed
// with its header or the sender asked for one (ISA14 = 1); for EDIFACT,
// UCI for the interchange, UCF for UNG groups, UCM per message with
// action 7 (accepted) or 4 (rejected) and UCS/UCD for segment and element
// errors.
func WriteAck(w io.Writer, ic *Interchange, kind AckKind, ctl Control) error {
	if kind == "" {
		kind = ic.Profile.AckKind(ic.Standard)
	}
	if kind == AckNone || !ic.needsAck() {
		return nil
	}
	sw := &segWriter{d: ic.Delimiters, std: ic.Standard}
	var err error
	switch {
	case ic.Standard == X12 && (kind == Ack997 || kind == Ack999):
		err = writeX12Ack(sw, ic, kind, ctl)
	case ic.Standard == EDIFACT && kind == AckCONTRL:
		err = writeCONTRL(sw, ic, ctl)
	default:
		return fmt.Errorf("edi: cannot acknowledge %s with %s", ic.Standard, kind)
	}
	if err == nil {
		err = sw.err
	}
	if err != nil {
		return err
	}
	_, err = w.Write(sw.buf.Bytes())
	return err
}

func writeX12Ack(sw *segWriter, ic *Interchange, kind AckKind, ctl Control) error {
	if err := ctl.check(X12); err != nil {
		return err
	}
	at := ctl.time()
	sw.isa(isaHeader{
		senderQ: ic.ID.ReceiverQualifier, sender: ic.ID.Receiver,
		receiverQ: ic.ID.SenderQualifier, receiver: ic.ID.Sender,
		repetition: ic.headerAt(11, isa11(ic.Delimiters, ic.Version)), version: ic.Version,
		control: ctl.Interchange, test: ic.Test, at: at,
	})
	if note := ic.ta1Note(); note != "" || ic.AckRequested {
		code := "A"
		if note != "" {
			code = "E"
		} else {
			note = "000"
		}
		sw.seg("TA1", ic.ID.ControlNumber, ic.headerAt(9, ""), ic.headerAt(10, ""), code, note)
	}
	groups := ic.ackedGroups()
	if len(groups) == 0 {
		sw.seg("IEA", "0", fmt.Sprintf("%09d", ctl.Interchange))
		return nil
	}
	version := groups[0].Version
	if kind == Ack999 {
		version = "005010X231A1"
	}
	fivePlus := isVersion5010(version)
	gs := strconv.FormatInt(ctl.Group, 10)
	sw.seg("GS", "FA", ic.groupSender(), ic.groupReceiver(), at.Format("20060102"), at.Format("1504"), gs, "X", version)
	set := ctl.firstSet()
	for _, g := range groups {
		sw.n = 0
		ctlNo := setNumber(set, X12)
		set++
		if kind == Ack999 {
			sw.seg("ST", "999", ctlNo, "005010X231A1")
		} else {
			sw.seg("ST", "997", ctlNo)
		}
		if fivePlus {
			sw.seg("AK1", g.FunctionalID, g.ControlNumber, g.Version)
		} else {
			sw.seg("AK1", g.FunctionalID, g.ControlNumber)
		}
		accepted := 0
		for _, t := range g.Transactions {
			if fivePlus && t.Version != "" && t.Version != g.Version {
				sw.seg("AK2", t.Type, t.ControlNumber, t.Version)
			} else {
				sw.seg("AK2", t.Type, t.ControlNumber)
			}
			var setCodes []string
			for _, e := range t.Errors {
				if c := e.reason.x12Set(); c != "" && !contains(setCodes, c) && len(setCodes) < 5 {
					setCodes = append(setCodes, c)
				}
				seg := e.reason.x12Segment()
				if seg == "" {
					continue
				}
				ak3, ak4 := "AK3", "AK4"
				if kind == Ack999 {
					ak3, ak4 = "IK3", "IK4"
				}
				sw.seg(ak3, e.Tag, strconv.Itoa(e.SetPosition), "", seg)
				if c := e.reason.x12Element(); c != "" && e.Element > 0 {
					sw.seg(ak4, elementPos(e), "", c, x12Safe(e.Value, ic.Delimiters))
				}
			}
			status := "A"
			if t.Accepted() {
				accepted++
			} else {
				status = "R"
			}
			ak5 := "AK5"
			if kind == Ack999 {
				ak5 = "IK5"
			}
			sw.seg(ak5, strs(append([]string{status}, setCodes...))...)
		}
		status := "A"
		switch {
		case len(g.Errors) > 0 || accepted == 0 && len(g.Transactions) > 0:
			status, accepted = "R", 0
		case accepted < len(g.Transactions):
			status = "P"
		}
		ak9 := []string{status, strconv.Itoa(g.declared()), strconv.Itoa(len(g.Transactions)), strconv.Itoa(accepted)}
		for _, e := range g.Errors {
			if c := e.reason.x12Group(); c != "" && len(ak9) < 9 {
				ak9 = append(ak9, c)
			}
		}
		sw.seg("AK9", strs(ak9)...)
		sw.seg("SE", strconv.Itoa(sw.n+1), ctlNo)
	}
	sw.seg("GE", strconv.FormatInt(set-ctl.firstSet(), 10), gs)
	sw.seg("IEA", "1", fmt.Sprintf("%09d", ctl.Interchange))
	return nil
}

func writeCONTRL(sw *segWriter, ic *Interchange, ctl Control) error {
	if err := ctl.check(EDIFACT); err != nil {
		return err
	}
	at := ctl.time()
	syntax := ic.SyntaxID + ":" + ic.Version
	sender, receiver := Identity{ID: ic.ID.Receiver, Qualifier: ic.ID.ReceiverQualifier}, Identity{ID: ic.ID.Sender, Qualifier: ic.ID.SenderQualifier}
	enveloped := ic.Enveloped
	if !enveloped && ic.Profile != nil {
		// Messages came without UNB: address the answer from the profile.
		sender, receiver, syntax, enveloped = ic.Profile.LocalID, ic.Profile.PartnerID, ic.Profile.edifactSyntax(), true
	}
	if ic.UNA {
		sw.una()
	}
	ref := strconv.FormatInt(ctl.Interchange, 10)
	if enveloped {
		sw.unb(syntax, sender, receiver, at, ref, ic.Test)
	}
	sw.n = 0
	msgRef := strconv.FormatInt(ctl.firstSet(), 10)
	version, release := "D", "3"
	switch v := syntaxVersion(syntax); {
	case v >= 4:
		version, release = "4", "1"
	case v == 2 || v == 1:
		version, release = "2", "2"
	}
	sw.seg("UNH", msgRef, comp("CONTRL", version, release, "UN"))
	uci := []any{ic.ID.ControlNumber, comp(ic.ID.Sender, ic.ID.SenderQualifier), comp(ic.ID.Receiver, ic.ID.ReceiverQualifier), "7"}
	if len(ic.Warnings) > 0 {
		e := ic.Warnings[0]
		uci = append(uci, e.reason.edifact(), e.Tag, strconv.Itoa(e.Element))
	}
	sw.seg("UCI", uci...)
	for _, g := range ic.Groups {
		if g.Enveloped && g.needsAck() {
			action := "7"
			var extra []string
			if len(g.Errors) > 0 {
				action = "4"
				e := g.Errors[0]
				extra = []string{e.reason.edifact(), e.Tag, strconv.Itoa(e.Element)}
			}
			sw.seg("UCF", strs(append([]string{g.ControlNumber, g.Sender, g.Receiver, action}, extra...))...)
		}
		for _, t := range g.Transactions {
			if !isAckType(t.Type) {
				writeUCM(sw, t)
			}
		}
	}
	sw.seg("UNT", strconv.Itoa(sw.n+1), msgRef)
	if enveloped {
		sw.seg("UNZ", "1", ref)
	}
	return nil
}

// writeUCM reports one message: the first message-level error (trailer
// count or reference, unsupported type) in UCM itself, segment and
// element errors as UCS and UCD.
func writeUCM(sw *segWriter, t *Transaction) {
	ucm := []any{t.ControlNumber, comps(t.messageID), "7"}
	if !t.Accepted() {
		ucm[2] = "4"
	}
	for _, e := range t.Errors {
		if e.reason.x12Segment() == "" {
			ucm = append(ucm, e.reason.edifact(), e.Tag, strconv.Itoa(e.Element))
			break
		}
	}
	sw.seg("UCM", ucm...)
	for _, e := range t.Errors {
		switch e.reason {
		case rSegMissing, rSegUnexpected:
			sw.seg("UCS", strconv.Itoa(e.SetPosition), e.reason.edifact())
		case rElemMissing, rElemInvalid, rElemCode, rElemDate, rElemTime:
			sw.seg("UCS", strconv.Itoa(e.SetPosition))
			sw.seg("UCD", e.reason.edifact(), elementPos(e))
		}
	}
}

// elementPos is the element position, with the component when there is
// one (X12 C030, EDIFACT S011).
func elementPos(e *Error) comps {
	if e.Component > 0 {
		return comp(strconv.Itoa(e.Element), strconv.Itoa(e.Component))
	}
	return comp(strconv.Itoa(e.Element))
}

// needsAck reports whether the interchange carries anything to
// acknowledge: acknowledgements themselves (997, 999, CONTRL) are never
// acknowledged, but a TA1 answers an X12 envelope problem or request.
func (ic *Interchange) needsAck() bool {
	if ic.Standard == X12 && (ic.ta1Note() != "" || ic.AckRequested) {
		return true
	}
	for _, g := range ic.Groups {
		for _, t := range g.Transactions {
			if !isAckType(t.Type) {
				return true
			}
		}
	}
	return false
}

func (g *Group) needsAck() bool {
	for _, t := range g.Transactions {
		if !isAckType(t.Type) {
			return true
		}
	}
	return len(g.Transactions) == 0
}

// ackedGroups are the X12 groups to acknowledge: all but functional
// acknowledgement (FA) groups.
func (ic *Interchange) ackedGroups() []*Group {
	var out []*Group
	for _, g := range ic.Groups {
		if g.FunctionalID != "FA" {
			out = append(out, g)
		}
	}
	return out
}

// ta1Note is the TA1 note code for the interchange's warnings: 001 when
// the IEA control number differs from ISA13.
func (ic *Interchange) ta1Note() string {
	for _, e := range ic.Warnings {
		if e.reason == rInterchangeControlMismatch {
			return "001"
		}
	}
	return ""
}

// headerAt returns element i of the ISA or UNB as received, or def.
func (ic *Interchange) headerAt(i int, def string) string {
	if i < len(ic.header) && ic.header[i] != "" {
		return ic.header[i]
	}
	return def
}

// groupSender and groupReceiver are the GS02/GS03 of the acknowledgement:
// the first group's receiver and sender, else the interchange ids.
func (ic *Interchange) groupSender() string {
	if len(ic.Groups) > 0 && ic.Groups[0].Receiver != "" {
		return ic.Groups[0].Receiver
	}
	return ic.ID.Receiver
}

func (ic *Interchange) groupReceiver() string {
	if len(ic.Groups) > 0 && ic.Groups[0].Sender != "" {
		return ic.Groups[0].Sender
	}
	return ic.ID.Sender
}

// declared is the set count GE01/UNE says, or what was received when it
// is unreadable.
func (g *Group) declared() int {
	for _, e := range g.Errors {
		if e.reason == rGroupCount {
			if n, ok := parseCount(e.Value); ok {
				return n
			}
		}
	}
	return len(g.Transactions)
}

// x12Safe drops delimiters from a bad value quoted back in AK404.
func x12Safe(v string, d Delimiters) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && (byte(r) == d.Element || byte(r) == d.Component || byte(r) == d.Segment || d.Repetition != 0 && byte(r) == d.Repetition) || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, v)
}

// isVersion5010 reports whether a GS08 version ("004010", "005010X231A1")
// is 005010 or later, where AK1 and AK2 carry versions.
func isVersion5010(v string) bool {
	v = strings.TrimLeft(v, "0")
	return len(v) >= 4 && atLeast(v[:4], 5010)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
