// Package ordergen makes realistic marketplace orders, deterministically
// from a seed: the same seed and index always give the same order, so a
// benchmark, a crash test and a load generator can all produce (and
// re-send) exactly the same data without storing it.
//
// Orders come from ten channels across Europe, the Americas and Asia, each
// with its own external id format, country and currency (JPY without
// decimals, KWD with three), buyers with names, e-mails and phones of
// their country, street addresses in real cities with their postcodes,
// and one to three lines drawn from a pool of SKUs with prices converted
// into the order's currency.
package ordergen

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Generator produces orders for one seed. It is safe for concurrent use.
type Generator struct {
	seed uint64
	skus []sku
	// Invalid is the fraction (0..1) of orders made invalid on purpose, to
	// exercise partial acceptance: a wrong line currency, an unknown
	// country, a zero quantity or a line that is not JSON.
	Invalid float64
}

type sku struct {
	code  string
	title string
	usd   float64
}

type city struct{ name, region, postcode string }

type country struct {
	code, currency, phonePrefix, emailDomain string
	first, last                              []string
	streets                                  []string
	cities                                   []city
	// streetFirst: "Invalidenstr. 12" (number after) or "12 Main St".
	numberFirst bool
}

type channel struct {
	name    string
	country *country
	id      func(seed uint64, i int, r *rand.Rand) string
}

// rates convert the SKU pool's USD prices; rough, but they keep each
// currency's prices at realistic magnitudes.
var rates = map[string]float64{"USD": 1, "EUR": 0.92, "GBP": 0.79, "JPY": 150, "SGD": 1.35, "MYR": 4.7,
	"THB": 36, "AUD": 1.52, "KWD": 0.308, "CNY": 7.2}

var digits = map[string]int{"JPY": 0, "KWD": 3}

var (
	de = &country{code: "DE", currency: "EUR", phonePrefix: "+49", emailDomain: "example.de",
		first:   []string{"Jonas", "Lena", "Lukas", "Anna", "Felix", "Marie", "Paul", "Sophie", "Maximilian", "Hannah", "Leon", "Emilia", "Tobias", "Katharina", "Jürgen", "Sabine"},
		last:    []string{"Weber", "Müller", "Schmidt", "Schneider", "Fischer", "Meyer", "Wagner", "Becker", "Hoffmann", "Schäfer", "Koch", "Richter", "Klein", "Wolf"},
		streets: []string{"Invalidenstr.", "Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schillerstraße", "Goethestraße", "Lindenallee", "Kirchplatz"},
		cities: []city{{"Berlin", "", "10115"}, {"Hamburg", "", "20095"}, {"München", "", "80331"}, {"Köln", "", "50667"},
			{"Frankfurt am Main", "", "60311"}, {"Stuttgart", "", "70173"}, {"Leipzig", "", "04109"}, {"Dresden", "", "01067"}}}
	fr = &country{code: "FR", currency: "EUR", phonePrefix: "+33", emailDomain: "example.fr", numberFirst: true,
		first:   []string{"Camille", "Louis", "Léa", "Hugo", "Chloé", "Lucas", "Manon", "Jules", "Inès", "Arthur", "Zoé", "Théo"},
		last:    []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Lefèvre"},
		streets: []string{"rue de Rivoli", "avenue des Champs-Élysées", "rue de la République", "boulevard Voltaire", "rue Victor Hugo"},
		cities:  []city{{"Paris", "", "75001"}, {"Lyon", "", "69001"}, {"Marseille", "", "13001"}, {"Toulouse", "", "31000"}, {"Bordeaux", "", "33000"}, {"Lille", "", "59000"}}}
	us = &country{code: "US", currency: "USD", phonePrefix: "+1", emailDomain: "example.com", numberFirst: true,
		first:   []string{"James", "Mary", "Michael", "Patricia", "Robert", "Jennifer", "David", "Linda", "Daniel", "Emily", "Carlos", "Aisha", "Kevin", "Olivia"},
		last:    []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Nguyen", "Patel"},
		streets: []string{"Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Washington Blvd", "Park Ave", "Elm St", "Sunset Blvd"},
		cities: []city{{"Seattle", "WA", "98101"}, {"Austin", "TX", "78701"}, {"New York", "NY", "10001"}, {"Chicago", "IL", "60601"},
			{"Los Angeles", "CA", "90012"}, {"Miami", "FL", "33101"}, {"Denver", "CO", "80202"}, {"Boston", "MA", "02108"}}}
	jp = &country{code: "JP", currency: "JPY", phonePrefix: "+81", emailDomain: "example.jp", numberFirst: true,
		first:   []string{"Haruto", "Yui", "Sota", "Hina", "Yuto", "Aoi", "Ren", "Sakura", "Kenji", "Yuki", "Daiki", "Mei"},
		last:    []string{"Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Kato"},
		streets: []string{"1-2 Marunouchi", "3-5 Shibuya", "2-8 Umeda", "4-1 Sakae", "1-9 Tenjin", "5-3 Kita-ku"},
		cities: []city{{"Chiyoda-ku", "Tokyo", "100-0005"}, {"Shibuya-ku", "Tokyo", "150-0002"}, {"Osaka", "Osaka", "530-0001"},
			{"Nagoya", "Aichi", "460-0008"}, {"Fukuoka", "Fukuoka", "810-0001"}, {"Sapporo", "Hokkaido", "060-0001"}}}
	sg = &country{code: "SG", currency: "SGD", phonePrefix: "+65", emailDomain: "example.sg", numberFirst: true,
		first:   []string{"Wei Ling", "Jun Jie", "Siti", "Muhammad", "Priya", "Arjun", "Hui Min", "Zhi Hao", "Nur", "Kumar"},
		last:    []string{"Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Abdullah", "Rahman", "Krishnan"},
		streets: []string{"Orchard Road", "Bukit Timah Road", "Tampines Ave 5", "Ang Mo Kio Ave 3", "Jurong West St 41", "Serangoon Rd"},
		cities:  []city{{"Singapore", "", "238801"}, {"Singapore", "", "529510"}, {"Singapore", "", "560123"}, {"Singapore", "", "640412"}}}
	my = &country{code: "MY", currency: "MYR", phonePrefix: "+60", emailDomain: "example.my", numberFirst: true,
		first:   []string{"Ahmad", "Nurul", "Mei Ling", "Wei Jie", "Siti", "Raj", "Farah", "Hafiz", "Kavitha", "Chong"},
		last:    []string{"bin Ismail", "binti Hassan", "Tan", "Lim", "Wong", "Subramaniam", "Abdullah", "Chin"},
		streets: []string{"Jalan Bukit Bintang", "Jalan Ampang", "Jalan Tun Razak", "Lebuh Chulia", "Jalan Sultan Ismail"},
		cities: []city{{"Kuala Lumpur", "Wilayah Persekutuan", "50200"}, {"George Town", "Penang", "10200"},
			{"Johor Bahru", "Johor", "80000"}, {"Petaling Jaya", "Selangor", "46000"}}}
	th = &country{code: "TH", currency: "THB", phonePrefix: "+66", emailDomain: "example.co.th", numberFirst: true,
		first:   []string{"Somchai", "Siriporn", "Anan", "Kanya", "Niran", "Pim", "Chai", "Malee", "Arthit", "Ploy"},
		last:    []string{"Saetang", "Srisuk", "Wongsawat", "Chaiyaporn", "Rattanakorn", "Boonmee", "Thongdee"},
		streets: []string{"Sukhumvit Rd", "Silom Rd", "Rama IV Rd", "Phahonyothin Rd", "Nimmanhaemin Rd"},
		cities:  []city{{"Bangkok", "Bangkok", "10110"}, {"Chiang Mai", "Chiang Mai", "50200"}, {"Phuket", "Phuket", "83000"}, {"Khon Kaen", "Khon Kaen", "40000"}}}
	gb = &country{code: "GB", currency: "GBP", phonePrefix: "+44", emailDomain: "example.co.uk", numberFirst: true,
		first:   []string{"Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Mia", "Noah", "Grace", "Oscar", "Freya"},
		last:    []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Thomas", "Roberts", "Walker", "Khan"},
		streets: []string{"High Street", "Station Road", "Church Lane", "Victoria Road", "Baker Street", "King's Road"},
		cities: []city{{"London", "", "SW1A 1AA"}, {"Manchester", "", "M1 1AE"}, {"Birmingham", "", "B1 1BB"},
			{"Leeds", "", "LS1 4AP"}, {"Edinburgh", "", "EH1 1YZ"}, {"Bristol", "", "BS1 4ST"}}}
	au = &country{code: "AU", currency: "AUD", phonePrefix: "+61", emailDomain: "example.com.au", numberFirst: true,
		first:   []string{"Charlotte", "William", "Olivia", "Jack", "Mia", "Thomas", "Chloe", "Lachlan", "Ruby", "Cooper"},
		last:    []string{"Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Nguyen", "Anderson", "Martin"},
		streets: []string{"George St", "Collins St", "Queen St", "Hay St", "King William St", "Flinders St"},
		cities: []city{{"Sydney", "NSW", "2000"}, {"Melbourne", "VIC", "3000"}, {"Brisbane", "QLD", "4000"},
			{"Perth", "WA", "6000"}, {"Adelaide", "SA", "5000"}}}
	kw = &country{code: "KW", currency: "KWD", phonePrefix: "+965", emailDomain: "example.com.kw", numberFirst: false,
		first:   []string{"Fahad", "Noura", "Abdullah", "Fatima", "Yousef", "Maryam", "Khaled", "Sara", "Mohammed", "Dana"},
		last:    []string{"Al-Sabah", "Al-Mutairi", "Al-Ajmi", "Al-Enezi", "Al-Rashidi", "Al-Kandari", "Al-Azmi"},
		streets: []string{"Block 3, Street 12", "Block 5, Street 2", "Block 1, Street 40", "Block 7, Gulf Road"},
		cities:  []city{{"Kuwait City", "Al Asimah", "13001"}, {"Salmiya", "Hawalli", "20001"}, {"Jahra", "Al Jahra", "01000"}}}
)

var channels = []channel{
	{"amazon-de", de, amazonID(302)},
	{"amazon-us", us, amazonID(113)},
	{"amazon-jp", jp, amazonID(503)},
	{"cdiscount-fr", fr, func(seed uint64, i int, r *rand.Rand) string {
		return fmt.Sprintf("CD%02d%09d", seed%100, i)
	}},
	{"shopee-sg", sg, shopeeID},
	{"shopee-my", my, shopeeID},
	{"lazada-th", th, func(seed uint64, i int, r *rand.Rand) string {
		return fmt.Sprintf("7%04d%010d", seed%10000, i)
	}},
	{"tiktok-shop-uk", gb, func(seed uint64, i int, r *rand.Rand) string {
		return fmt.Sprintf("57%06d%010d", seed%1000000, i)
	}},
	{"ebay-au", au, func(seed uint64, i int, r *rand.Rand) string {
		return fmt.Sprintf("%02d-%05d-%05d", seed%100, i/100000, i%100000)
	}},
	{"shopify-kw", kw, func(seed uint64, i int, r *rand.Rand) string {
		return fmt.Sprintf("#KW%d-%d", seed%1000, 1000+i)
	}},
}

func amazonID(prefix int) func(seed uint64, i int, r *rand.Rand) string {
	return func(seed uint64, i int, r *rand.Rand) string {
		return fmt.Sprintf("%03d-%07d-%07d", prefix, (seed*7919+uint64(i/10_000_000))%10_000_000, i%10_000_000)
	}
}

func shopeeID(seed uint64, i int, r *rand.Rand) string {
	return "26" + strings.ToUpper(strconv.FormatUint(seed%1296, 36)) + fmt.Sprintf("%010s", strings.ToUpper(strconv.FormatInt(int64(i), 36)))
}

var categories = []struct {
	prefix string
	nouns  []string
	lo, hi float64
}{
	{"TOY", []string{"Building blocks set", "Plush bear", "Wooden train", "Puzzle 1000 pieces", "RC car", "Doll house"}, 6, 60},
	{"HOME", []string{"Ceramic mug", "Bamboo cutting board", "LED desk lamp", "Linen cushion cover", "Storage box", "Wall clock"}, 4, 45},
	{"ELEC", []string{"USB-C charger 65W", "Bluetooth earbuds", "Power bank 10000mAh", "Smart plug", "HDMI cable 2m", "Webcam 1080p"}, 8, 90},
	{"APP", []string{"Cotton T-shirt", "Running shoes", "Rain jacket", "Wool scarf", "Denim jeans", "Baseball cap"}, 7, 120},
	{"BEAU", []string{"Sheet mask pack", "Vitamin C serum", "Lip balm set", "Hair dryer", "Nail polish kit"}, 3, 70},
	{"SPRT", []string{"Yoga mat", "Resistance bands", "Water bottle 750ml", "Cycling gloves", "Camping lantern"}, 5, 55},
}

var colours = []string{"red", "blue", "black", "white", "green", "grey", "pink", "navy"}

// New returns a generator for seed.
func New(seed uint64) *Generator {
	g := &Generator{seed: seed}
	// The SKU pool is the same for every seed, like a seller's catalogue.
	r := rand.New(rand.NewPCG(0x5eed, 0xca7a1096))
	for ci, c := range categories {
		for k := range 80 {
			noun := c.nouns[k%len(c.nouns)]
			col := colours[r.IntN(len(colours))]
			price := c.lo + r.Float64()*(c.hi-c.lo)
			g.skus = append(g.skus, sku{code: fmt.Sprintf("%s-%04d", c.prefix, ci*1000+k+1),
				title: noun + ", " + col, usd: math.Round(price*100) / 100})
		}
	}
	return g
}

// Channels lists the channel names orders come from.
func Channels() []string {
	out := make([]string, len(channels))
	for i, c := range channels {
		out[i] = c.name
	}
	return out
}

var epoch = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// Append appends order i as one line of JSON (no newline) to dst.
func (g *Generator) Append(dst []byte, i int) []byte {
	r := g.rng(i)
	ch := &channels[r.IntN(len(channels))]
	c := ch.country
	bad := -1
	if g.Invalid > 0 && r.Float64() < g.Invalid {
		bad = r.IntN(4)
	}
	if bad == 3 {
		return append(dst, `{"external_id": "`+ch.id(g.seed, i, r)+`", "channel": "`+ch.name+`", "lines": [`...)
	}
	first := c.first[r.IntN(len(c.first))]
	last := c.last[r.IntN(len(c.last))]
	name := first + " " + last
	placed := epoch.Add(time.Duration(i)*20*time.Second + time.Duration(r.IntN(3600))*time.Second)

	b := dst
	b = append(b, `{"external_id":`...)
	b = appendString(b, ch.id(g.seed, i, r))
	b = append(b, `,"channel":`...)
	b = appendString(b, ch.name)
	b = append(b, `,"placed_at":"`...)
	b = placed.AppendFormat(b, time.RFC3339)
	b = append(b, `","currency":"`...)
	b = append(b, c.currency...)
	b = append(b, `","buyer":{"name":`...)
	b = appendString(b, name)
	if r.IntN(10) < 8 {
		b = append(b, `,"email":`...)
		b = appendString(b, emailLocal(first, last, r)+"@"+c.emailDomain)
	}
	if r.IntN(10) < 6 {
		b = append(b, `,"phone":`...)
		b = appendString(b, phoneNumber(c, r))
	}
	buyerCountry := c.code
	if bad == 1 {
		buyerCountry = "XK1"
	}
	b = append(b, `,"country":"`...)
	b = append(b, buyerCountry...)
	b = append(b, `"},"ship_to":{"name":`...)
	b = appendString(b, name)
	b = append(b, `,"line1":`...)
	st := c.streets[r.IntN(len(c.streets))]
	num := strconv.Itoa(1 + r.IntN(180))
	switch {
	case c.code == "KW":
		b = appendString(b, "House "+num+", "+st)
	case c.numberFirst:
		b = appendString(b, num+" "+st)
	default:
		b = appendString(b, st+" "+num)
	}
	if r.IntN(10) < 2 {
		b = append(b, `,"line2":`...)
		b = appendString(b, []string{"Apt ", "Unit ", "Floor ", "c/o reception, room "}[r.IntN(4)]+strconv.Itoa(1+r.IntN(40)))
	}
	ct := c.cities[r.IntN(len(c.cities))]
	b = append(b, `,"city":`...)
	b = appendString(b, ct.name)
	if ct.region != "" {
		b = append(b, `,"region":`...)
		b = appendString(b, ct.region)
	}
	b = append(b, `,"postcode":`...)
	b = appendString(b, ct.postcode)
	b = append(b, `,"country":"`...)
	b = append(b, c.code...)
	b = append(b, '"')
	if r.IntN(2) == 0 {
		b = append(b, `,"phone":`...)
		b = appendString(b, phoneNumber(c, r))
	}
	b = append(b, `},"lines":[`...)
	n := 1
	switch x := r.IntN(10); {
	case x >= 8:
		n = 3
	case x >= 5:
		n = 2
	}
	pick := r.IntN(len(g.skus))
	for k := range n {
		s := g.skus[(pick+k*37)%len(g.skus)]
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"sku":"`...)
		b = append(b, s.code...)
		q := 1
		if x := r.IntN(10); x >= 9 {
			q = 2 + r.IntN(9)
		} else if x >= 6 {
			q = 2
		}
		if bad == 2 && k == 0 {
			q = 0
		}
		b = append(b, `","quantity":`...)
		b = strconv.AppendInt(b, int64(q), 10)
		cur := c.currency
		if bad == 0 && k == n-1 {
			cur = "USD"
			if c.currency == "USD" {
				cur = "EUR"
			}
		}
		b = append(b, `,"unit_price":{"amount":"`...)
		b = appendPrice(b, s.usd, c.currency)
		b = append(b, `","currency":"`...)
		b = append(b, cur...)
		b = append(b, `"}`...)
		if r.IntN(10) < 7 {
			b = append(b, `,"title":`...)
			b = appendString(b, s.title)
		}
		b = append(b, '}')
	}
	b = append(b, "]}"...)
	return b
}

// rng is order i's own random source. The index is mixed (SplitMix64)
// first: PCG streams of neighbouring indexes start out correlated.
func (g *Generator) rng(i int) *rand.Rand {
	z := uint64(i) + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return rand.New(rand.NewPCG(g.seed^z, z*0x2545f4914f6cdd1d+g.seed))
}

// Order returns order i as JSON.
func (g *Generator) Order(i int) []byte { return g.Append(nil, i) }

// Valid reports whether order i is meant to be accepted.
func (g *Generator) Valid(i int) bool {
	if g.Invalid <= 0 {
		return true
	}
	r := g.rng(i)
	r.IntN(len(channels))
	return !(r.Float64() < g.Invalid)
}

// WriteNDJSON writes orders [from, from+n) to w, one per line.
func (g *Generator) WriteNDJSON(w io.Writer, from, n int) error {
	buf := make([]byte, 0, 256<<10)
	for i := from; i < from+n; i++ {
		buf = g.Append(buf, i)
		buf = append(buf, '\n')
		if len(buf) > 240<<10 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}

func appendPrice(b []byte, usd float64, cur string) []byte {
	d, ok := digits[cur]
	if !ok {
		d = 2
	}
	v := usd * rates[cur]
	if cur == "JPY" {
		v = math.Round(v/10) * 10
	}
	if d == 2 {
		// Prices end in .99, .49 or .00 like a shop's.
		v = math.Floor(v) + []float64{0.99, 0.49, 0}[int(v*7)%3]
	}
	return strconv.AppendFloat(b, v, 'f', d, 64)
}

func emailLocal(first, last string, r *rand.Rand) string {
	s := strings.ToLower(first[:1] + "." + last)
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c == '.', c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == 'ä':
			b.WriteString("ae")
		case c == 'ö':
			b.WriteString("oe")
		case c == 'ü':
			b.WriteString("ue")
		case c == 'ß':
			b.WriteString("ss")
		case c == 'é', c == 'è':
			b.WriteByte('e')
		}
	}
	return b.String() + strconv.Itoa(r.IntN(100))
}

func phoneNumber(c *country, r *rand.Rand) string {
	return c.phonePrefix + " " + strconv.Itoa(10+r.IntN(89)) + " " + strconv.Itoa(1000000+r.IntN(8999999))
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, fmt.Sprintf(`\u%04x`, c)...)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
