package edi

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

// isa00501 is a well-formed 106-byte ISA with repetition separator '^'.
const isa00501 = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260101*1200*^*00501*000000101*0*P*>~"

// isa00401 has 'U' in ISA11: no repetition separator.
const isa00401 = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260101*1200*U*00401*000000101*0*P*>~"

// show renders segments with fixed, unambiguous delimiters.
var show = Delimiters{Element: '|', Component: ':', Repetition: '^', Release: '\\'}

func tokenize(t *testing.T, in string) ([]string, *Reader, error) {
	t.Helper()
	rd := NewReader(strings.NewReader(in))
	var out []string
	for range 10000 {
		s, err := rd.Next()
		if err == io.EOF {
			return out, rd, nil
		}
		if err != nil {
			return out, rd, err
		}
		out = append(out, s.Format(show))
	}
	t.Fatal("tokenizer did not finish")
	return nil, nil, nil
}

func TestReader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    string
		want  []string
		std   Standard
		delim Delimiters
	}{
		{
			name: "x12 tilde and CRLF",
			in:   isa00401 + "\r\nGS*PO*S*R*20260101*1200*1*X*004010~\r\nIEA*0*000000101~\r\n",
			want: []string{
				"ISA|00|          |00|          |ZZ|SENDER         |ZZ|RECEIVER       |260101|1200|U|00401|000000101|0|P|>",
				"GS|PO|S|R|20260101|1200|1|X|004010", "IEA|0|000000101",
			},
			std:   X12,
			delim: Delimiters{Element: '*', Component: '>', Segment: '~', Suffix: "\r\n"},
		},
		{
			name: "x12 newline terminator, final segment unterminated",
			in:   strings.ReplaceAll(isa00401, "~", "\n") + "GS*PO\nIEA*1*000000101",
			want: []string{
				"ISA|00|          |00|          |ZZ|SENDER         |ZZ|RECEIVER       |260101|1200|U|00401|000000101|0|P|>",
				"GS|PO", "IEA|1|000000101",
			},
			std:   X12,
			delim: Delimiters{Element: '*', Component: '>', Segment: '\n'},
		},
		{
			name: "x12 unterminated final segment followed by a line break",
			in:   isa00401 + "IEA*1*000000101\r\n",
			want: []string{
				"ISA|00|          |00|          |ZZ|SENDER         |ZZ|RECEIVER       |260101|1200|U|00401|000000101|0|P|>",
				"IEA|1|000000101",
			},
			std:   X12,
			delim: Delimiters{Element: '*', Component: '>', Segment: '~'},
		},
		{
			name: "x12 byte-order mark and repetition separator from 00402",
			in:   "\xEF\xBB\xBF" + isa00501 + "REF*ZZ*A^B*C>D~~IEA*0*000000101~",
			want: []string{
				"ISA|00|          |00|          |ZZ|SENDER         |ZZ|RECEIVER       |260101|1200|\\^|00501|000000101|0|P|>",
				"REF|ZZ|A^B|C:D", "IEA|0|000000101",
			},
			std:   X12,
			delim: Delimiters{Element: '*', Component: '>', Repetition: '^', Segment: '~'},
		},
		{
			name: "x12 before 00402: ISA11 is not a separator",
			in:   isa00401 + "REF*ZZ*A^B~",
			want: []string{
				"ISA|00|          |00|          |ZZ|SENDER         |ZZ|RECEIVER       |260101|1200|U|00401|000000101|0|P|>",
				"REF|ZZ|A\\^B", // '^' is data: shown escaped
			},
			std:   X12,
			delim: Delimiters{Element: '*', Component: '>', Segment: '~'},
		},
		{
			name: "x12 ISA padded with no-break spaces",
			in:   "ISA*00*\u00a0\u00a0\u00a0\u00a0\u00a0*00*          *01*000123456 \u00a0 *ZZ*PARTNERID      *090827*0936*U*00401*000000055*0*T*>~IEA*1*000000055~",
			want: []string{
				"ISA|00|\u00a0\u00a0\u00a0\u00a0\u00a0|00|          |01|000123456 \u00a0 |ZZ|PARTNERID      |090827|0936|U|00401|000000055|0|T|>",
				"IEA|1|000000055",
			},
			std:   X12,
			delim: Delimiters{Element: '*', Component: '>', Segment: '~'},
		},
		{
			name:  "edifact defaults, syntax 4: '*' repeats",
			in:    "UNB+UNOC:4+S:14+R:14+20260101:1200+1'COM+a:EM*b:TE'UNZ+0+1'",
			want:  []string{"UNB|UNOC:4|S:14|R:14|20260101:1200|1", "COM|a:EM^b:TE", "UNZ|0|1"},
			std:   EDIFACT,
			delim: Delimiters{Element: '+', Component: ':', Repetition: '*', Segment: '\'', Release: '?', Decimal: '.'},
		},
		{
			name:  "edifact syntax 3 without UNA: '*' is data",
			in:    "UNB+UNOC:3+S+R+260101:1200+1'FTX+AAI+++5*star'UNZ+0+1'",
			want:  []string{"UNB|UNOC:3|S|R|260101:1200|1", "FTX|AAI|||5*star", "UNZ|0|1"},
			std:   EDIFACT,
			delim: Delimiters{Element: '+', Component: ':', Segment: '\'', Release: '?', Decimal: '.'},
		},
		{
			name:  "edifact release characters",
			in:    "UNH+1+ORDERS:D:96A:UN'COM+?+49 30 1234?:5:TE'FTX+AAI+++it??s?'s'UNT+3+1'",
			want:  []string{"UNH|1|ORDERS:D:96A:UN", "COM|+49 30 1234\\:5:TE", "FTX|AAI|||it?s's", "UNT|3|1"},
			std:   EDIFACT,
			delim: DefaultEDIFACT,
		},
		{
			name:  "edifact UNA with unusual delimiters and CRLF",
			in:    "UNA>|,\\!;\r\nUNB|UNOC>4|S|R|20260101>1200|1;\r\nQTY|21>1,5;\r\nFTX|AAI|||a\\|b\\>c\\;d!e;\r\nUNZ|0|1;\r\n",
			want:  []string{"UNB|UNOC:4|S|R|20260101:1200|1", "QTY|21:1,5", "FTX|AAI|||a\\|b>c;d^e", "UNZ|0|1"},
			std:   EDIFACT,
			delim: Delimiters{Component: '>', Element: '|', Decimal: ',', Release: '\\', Repetition: '!', Segment: ';', Suffix: "\r\n"},
		},
		{
			name:  "edifact UNA with newline terminator and no release",
			in:    "UNA:+.  \nUNB+UNOC:3+S+R+260101:1200+1\nUNZ+0+1",
			want:  []string{"UNB|UNOC:3|S|R|260101:1200|1", "UNZ|0|1"},
			std:   EDIFACT,
			delim: Delimiters{Component: ':', Element: '+', Decimal: '.', Segment: '\n'},
		},
		{
			name:  "edifact without UNB",
			in:    "UNH+ME1+IFTSTA:D:01B:UN:EAN004'\r\nBGM+44+95-455+9'\r\nUNT+3+ME1'\r\n\r\n",
			want:  []string{"UNH|ME1|IFTSTA:D:01B:UN:EAN004", "BGM|44|95-455|9", "UNT|3|ME1"},
			std:   EDIFACT,
			delim: Delimiters{Element: '+', Component: ':', Repetition: '*', Segment: '\'', Release: '?', Decimal: '.', Suffix: "\r\n"},
		},
		{
			name: "x12 interchange then edifact interchange",
			in:   isa00401 + "IEA*0*000000101~\nUNB+UNOC:4+S+R+20260101:1200+7'UNZ+0+7'",
			want: []string{
				"ISA|00|          |00|          |ZZ|SENDER         |ZZ|RECEIVER       |260101|1200|U|00401|000000101|0|P|>",
				"IEA|0|000000101", "UNB|UNOC:4|S|R|20260101:1200|7", "UNZ|0|7",
			},
			std:   EDIFACT,
			delim: Delimiters{Element: '+', Component: ':', Repetition: '*', Segment: '\'', Release: '?', Decimal: '.'},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, rd, err := tokenize(t, tt.in)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("segments:\n got %q\nwant %q", got, tt.want)
			}
			if rd.Standard() != tt.std {
				t.Errorf("standard = %q, want %q", rd.Standard(), tt.std)
			}
			if rd.Delimiters() != tt.delim {
				t.Errorf("delimiters = %+q, want %+q", rd.Delimiters(), tt.delim)
			}
		})
	}
}

func TestReaderErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		max     int
		segment int
		tag     string
		msg     string
	}{
		{"empty", "", 0, 1, "", "empty"},
		{"only whitespace", " \r\n\t", 0, 1, "", "empty"},
		{"not edi", "<?xml version=\"1.0\"?><order/>", 0, 1, "", "neither X12"},
		{"truncated ISA", "ISA*00*          *00*          *ZZ*SENDER", 0, 1, "ISA", "truncated"},
		{"ISA without terminator", strings.TrimSuffix(isa00401, "~"), 0, 1, "ISA", "truncated"},
		{"ISA terminator is a letter", strings.TrimSuffix(isa00401, "~") + "GS*PO~", 0, 1, "ISA", "not a segment terminator"},
		{"ISA alphanumeric separator", "ISAX00X", 0, 1, "ISA", "not usable"},
		{"truncated UNA", "UNA:+.", 0, 1, "", "truncated"},
		{"UNA duplicate delimiter", "UNA++.? 'UNB", 0, 1, "", "used twice"},
		{"bad tag", isa00401 + "GS*PO~b@d*1~", 0, 3, "", "segment tag"},
		{"lower-case tag", "UNH+1+ORDERS:D:96A:UN'bgm+220'", 0, 2, "", "segment tag"},
		{"segment too long", isa00401 + "GS*" + strings.Repeat("A", 300) + "~", 200, 2, "", "longer than 200"},
		{"unterminated segment too long", isa00401 + "GS*" + strings.Repeat("A", 300), 200, 2, "", "longer than 200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rd := NewReader(strings.NewReader(tt.in))
			rd.SetMaxSegmentSize(tt.max)
			var err error
			for range 100 {
				if _, err = rd.Next(); err != nil {
					break
				}
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.Code != CodeSyntax || e.Segment != tt.segment || e.Tag != tt.tag || !strings.Contains(e.Message, tt.msg) {
				t.Errorf("err = %+v, want edi_syntax at segment %d tag %q containing %q", e, tt.segment, tt.tag, tt.msg)
			}
			if _, again := rd.Next(); again != err {
				t.Errorf("error is not sticky: %v", again)
			}
		})
	}
}

func TestReaderPositions(t *testing.T) {
	t.Parallel()
	in := "\xEF\xBB\xBFUNB+UNOC:3+S+R+260101:1200+1'\r\nUNH+1+ORDERS:D:96A:UN'\r\nBGM+220+X'UNT+2+1'\r\nUNZ+1+1"
	rd := NewReader(strings.NewReader(in))
	want := []Position{{1, 3, 1}, {2, 34, 2}, {3, 58, 3}, {4, 68, 3}, {5, 78, 4}}
	for i, w := range want {
		s, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		if s.Pos != w {
			t.Errorf("segment %d (%s) at %+v, want %+v", i+1, s.Tag, s.Pos, w)
		}
	}
	if _, err := rd.Next(); err != io.EOF {
		t.Errorf("after last segment: %v, want io.EOF", err)
	}
}

// TestReaderSmallReads feeds the input one byte at a time, so every
// segment, release character and ISA spans buffer refills.
func TestReaderSmallReads(t *testing.T) {
	t.Parallel()
	for _, name := range sampleNames(t) {
		data, err := os.ReadFile("testdata/samples/" + name)
		if err != nil {
			t.Fatal(err)
		}
		whole, _, err := tokenize(t, string(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rd := NewReader(io.LimitReader(&oneByteReader{data: data}, int64(len(data))))
		var got []string
		for {
			s, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got = append(got, s.Format(show))
		}
		if strings.Join(got, "\n") != strings.Join(whole, "\n") {
			t.Errorf("%s: byte-at-a-time reading differs", name)
		}
	}
}

type oneByteReader struct{ data []byte }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.data[0]
	r.data = r.data[1:]
	return 1, nil
}

// TestSampleSegmentCounts pins the number of segments per sample; the 856
// ends with an unterminated IEA that must be counted.
func TestSampleSegmentCounts(t *testing.T) {
	t.Parallel()
	want := map[string]int{
		"x12_850_edinet.edi": 15, "x12_856_gozer.edi": 35, "x12_810_staedi.edi": 58,
		"x12_214_canadapost_omniparser.edi": 252, "edifact_orders_d03b_smooks.edi": 24,
		"edifact_desadv_d96a_phpedifact.edi": 23, "edifact_invoic_d97b_staedi.edi": 26,
		"edifact_iftsta_d01b_gs1example.edi": 34, "edifact_ordrsp_d10a_edinet.edi": 33,
	}
	for _, name := range sampleNames(t) {
		data, _ := os.ReadFile("testdata/samples/" + name)
		segs, _, err := tokenize(t, string(data))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(segs) != want[name] {
			t.Errorf("%s: %d segments, want %d", name, len(segs), want[name])
		}
	}
	data, _ := os.ReadFile("testdata/samples/x12_856_gozer.edi")
	segs, _, _ := tokenize(t, string(data))
	if last := segs[len(segs)-1]; last != "IEA|1|000000049" {
		t.Errorf("856 last segment = %q", last)
	}
}

func TestSegmentAccessors(t *testing.T) {
	t.Parallel()
	rd := NewReader(strings.NewReader("UNB+UNOC:4+S+R+20260101:1200+1'NAD+BY+123::9++Name+Street 1:Floor 2+City++10115+DE'COM+a:EM*b:TE'"))
	rd.Next()
	s, err := rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	nad := s.Clone()
	checks := []struct{ got, want string }{
		{nad.Tag, "NAD"}, {nad.Element(1), "BY"}, {nad.Component(2, 1), "123"}, {nad.Component(2, 3), "9"},
		{nad.Component(2, 4), ""}, {nad.Element(3), ""}, {nad.Component(5, 2), "Floor 2"}, {nad.Element(9), "DE"},
		{nad.Element(10), ""}, {nad.Element(0), "NAD"}, {nad.Element(-1), ""}, {nad.Value(5, 2, 1), ""},
	}
	for i, c := range checks {
		if c.got != c.want {
			t.Errorf("check %d: got %q, want %q", i, c.got, c.want)
		}
	}
	if nad.Len() != 9 || nad.Repetitions(2) != 1 || nad.Repetitions(12) != 0 {
		t.Errorf("Len %d, Repetitions %d %d", nad.Len(), nad.Repetitions(2), nad.Repetitions(12))
	}
	com, _ := rd.Next()
	if com.Repetitions(1) != 2 || com.Value(1, 2, 1) != "b" || com.Value(1, 2, 2) != "TE" {
		t.Errorf("COM repetitions: %q", com.Format(show))
	}
	// The clone survives the reader moving on.
	if nad.Format(DefaultEDIFACT) != "NAD+BY+123::9++Name+Street 1:Floor 2+City++10115+DE" {
		t.Errorf("clone = %q", nad.Format(DefaultEDIFACT))
	}
}

func sampleNames(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir("testdata/samples")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".edi") {
			names = append(names, e.Name())
		}
	}
	if len(names) != 9 {
		t.Fatalf("found %d samples, want 9", len(names))
	}
	return names
}
