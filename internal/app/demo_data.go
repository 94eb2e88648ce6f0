package app

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/compliance/checks"
	"github.com/silkgate/silkgate/internal/edi"
	"github.com/silkgate/silkgate/internal/gateway/ediapi"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/sandbox"
)

// Sample data of the demo: the catalogue, orders and EDI traffic of a
// Yiwu seller, so that every page has something to show and compliance
// checks something to say. Everything goes through the services (the
// same validation and audit records as real data), in one transaction,
// and is marked as sample data: SKUs start with "DEMO-", order numbers
// and the partner name say "sample".

// demoSKUPrefix marks sample products; its presence tells a later start
// that the sample data is already there.
const demoSKUPrefix = "DEMO-"

type demoProduct struct {
	sku, zh, en, category, hs string
	materials                 []string
	attrs                     map[string]any
	usd                       string
	grams                     int64
	dims                      []int64
	battery                   *catalog.Battery
	certs, labels, markets    []string
}

func wh(v float64) *float64 { return &v }

// demoProducts: real HS subheadings; a few lithium batteries (a 74 Wh
// power bank, Bluetooth earbuds), a magnet toy, liquid cosmetics,
// textiles; certifications present on some and missing on others.
var demoProducts = []demoProduct{
	{"DEMO-TOY-001", "益智积木 120 粒", "Building blocks, 120 pieces", "toys", "950300", []string{"ABS plastic"},
		map[string]any{"age_min_months": 36, "pieces": 120}, "6.80", 650, []int64{300, 200, 80}, nil,
		[]string{"CE", "EN71"}, []string{"CE", "age_warning"}, []string{"EU", "US", "SG", "MY"}},
	{"DEMO-TOY-002", "磁力片积木 60 片", "Magnetic building tiles, 60 pieces", "toys", "950300", []string{"ABS plastic", "neodymium magnets"},
		map[string]any{"age_min_months": 36, "magnets": true, "magnet_flux_index": 45}, "14.20", 1100, []int64{320, 260, 90}, nil,
		nil, nil, []string{"EU", "US", "GB"}},
	{"DEMO-TOY-003", "毛绒小熊 30 厘米", "Plush teddy bear, 30 cm", "toys", "950300", []string{"polyester", "PP cotton"},
		map[string]any{"age_min_months": 0, "height_cm": 30}, "3.90", 280, []int64{300, 180, 150}, nil,
		[]string{"CE", "EN71"}, []string{"CE", "washing_label"}, []string{"EU", "GB", "JP"}},
	{"DEMO-TOY-004", "遥控越野车", "Remote-control off-road car", "toys", "950300", []string{"ABS plastic", "electronic parts"},
		map[string]any{"age_min_months": 96, "frequency": "2.4 GHz"}, "11.50", 720, []int64{280, 160, 120},
		&catalog.Battery{Chemistry: "li-ion", Wh: wh(3.7), Packing: "contained_in_equipment"},
		[]string{"CE"}, []string{"CE"}, []string{"EU", "US"}},
	{"DEMO-TOY-005", "儿童水彩笔 24 色", "Washable felt-tip pens, 24 colours", "toys", "960820", []string{"PP plastic", "water-based ink"},
		map[string]any{"age_min_months": 36, "colours": 24}, "1.60", 210, []int64{200, 120, 20}, nil,
		[]string{"EN71"}, nil, []string{"EU", "SG", "MY"}},
	{"DEMO-ELE-001", "充电宝 20000mAh", "Power bank 20000 mAh", "electronics", "850760", []string{"ABS plastic", "lithium-ion cells"},
		map[string]any{"capacity_mah": 20000, "output_w": 22.5}, "9.90", 420, []int64{150, 72, 28},
		&catalog.Battery{Chemistry: "li-ion", Wh: wh(74), Packing: "standalone"},
		[]string{"CE", "FCC", "UN38.3"}, []string{"CE", "battery_wh"}, []string{"EU", "US", "GB", "SG", "MY"}},
	{"DEMO-ELE-002", "蓝牙耳机 TWS", "True wireless Bluetooth earbuds", "electronics", "851830", []string{"PC plastic", "silicone"},
		map[string]any{"bluetooth": "5.3", "playtime_h": 6}, "7.40", 85, []int64{90, 60, 35},
		&catalog.Battery{Chemistry: "li-polymer", Wh: wh(0.6), Packing: "contained_in_equipment"},
		[]string{"CE", "FCC"}, []string{"CE", "WEEE"}, []string{"EU", "US", "JP", "SG"}},
	{"DEMO-ELE-003", "USB-C 快充数据线 1 米", "USB-C fast-charging cable, 1 m", "electronics", "854442", []string{"TPE", "copper"},
		map[string]any{"length_m": 1, "max_w": 60}, "0.85", 40, []int64{120, 80, 20}, nil,
		nil, nil, []string{"EU", "US", "SG", "MY"}},
	{"DEMO-ELE-004", "手机壳 iPhone 15", "Phone case for iPhone 15", "phone accessories", "392690", []string{"TPU"},
		map[string]any{"model": "iPhone 15", "colour": "clear"}, "0.95", 35, []int64{160, 80, 15}, nil,
		nil, nil, []string{"EU", "US", "GB", "SG", "MY", "JP"}},
	{"DEMO-ELE-005", "LED 护眼台灯", "LED desk lamp, dimmable", "electronics", "940521", []string{"aluminium", "ABS plastic"},
		map[string]any{"power_w": 8, "colour_temp_k": "3000-6000"}, "12.60", 900, []int64{400, 160, 120}, nil,
		[]string{"CE"}, []string{"CE", "WEEE"}, []string{"EU", "GB", "US"}},
	{"DEMO-ELE-006", "手持小风扇", "Handheld mini fan", "electronics", "841451", []string{"ABS plastic"},
		map[string]any{"speeds": 3}, "2.70", 160, []int64{180, 90, 50},
		&catalog.Battery{Chemistry: "li-ion", Wh: wh(7.4), Packing: "contained_in_equipment"},
		nil, nil, []string{"EU", "SG", "MY"}},
	{"DEMO-ELE-007", "无线充电器 15W", "Wireless charger 15 W", "electronics", "850440", []string{"aluminium", "PC plastic"},
		map[string]any{"output_w": 15, "qi": true}, "5.20", 120, []int64{100, 100, 12}, nil,
		[]string{"CE", "FCC"}, []string{"CE", "WEEE"}, []string{"EU", "US"}},
	{"DEMO-ELE-008", "硅胶表带 44 毫米", "Silicone watch band, 44 mm", "phone accessories", "911390", []string{"silicone"},
		map[string]any{"width_mm": 44}, "0.70", 25, []int64{200, 50, 10}, nil,
		nil, nil, []string{"EU", "US", "SG"}},
	{"DEMO-COS-001", "指甲油 15 毫升", "Nail polish, 15 ml", "cosmetics", "330430", []string{"nitrocellulose lacquer", "glass bottle"},
		map[string]any{"volume_ml": 15, "liquid": true, "flammable": true}, "0.90", 60, []int64{50, 30, 30}, nil,
		nil, nil, []string{"EU", "US", "MY"}},
	{"DEMO-COS-002", "哑光口红", "Matte lipstick", "cosmetics", "330410", []string{"wax", "pigments"},
		map[string]any{"shade": "rose 03", "net_weight_g": 3.5}, "1.30", 30, []int64{80, 20, 20}, nil,
		nil, []string{"ingredients_list"}, []string{"EU", "SG", "MY"}},
	{"DEMO-COS-003", "淡香水 50 毫升", "Eau de toilette, 50 ml", "cosmetics", "330300", []string{"alcohol", "fragrance", "glass bottle"},
		map[string]any{"volume_ml": 50, "liquid": true, "alcohol_percent": 80, "un_number": "UN1266"}, "6.50", 230, []int64{110, 70, 50}, nil,
		nil, nil, []string{"EU", "GB"}},
	{"DEMO-COS-004", "化妆刷 12 支套装", "Make-up brush set, 12 pieces", "cosmetics", "960329", []string{"synthetic fibre", "wood", "aluminium"},
		map[string]any{"pieces": 12}, "3.10", 180, []int64{220, 100, 40}, nil,
		nil, nil, []string{"EU", "US", "JP"}},
	{"DEMO-TEX-001", "纯棉 T 恤 男款", "Men's cotton T-shirt", "textiles", "610910", []string{"100% cotton"},
		map[string]any{"sizes": "S-XXL", "gsm": 180}, "2.40", 190, []int64{300, 250, 20}, nil,
		[]string{"OEKO-TEX"}, []string{"care_label", "fibre_composition"}, []string{"EU", "US", "GB"}},
	{"DEMO-TEX-002", "真丝方巾 70 厘米", "Silk square scarf, 70 cm", "textiles", "621410", []string{"100% mulberry silk"},
		map[string]any{"size_cm": 70}, "5.80", 60, []int64{200, 150, 10}, nil,
		nil, []string{"care_label"}, []string{"EU", "JP", "SG"}},
	{"DEMO-TEX-003", "针织毛线帽", "Knitted beanie", "textiles", "650500", []string{"acrylic"},
		map[string]any{"one_size": true}, "1.20", 80, []int64{220, 200, 30}, nil,
		nil, nil, []string{"EU", "US", "GB"}},
	{"DEMO-TEX-004", "棉袜 5 双装", "Cotton socks, 5 pairs", "textiles", "611595", []string{"80% cotton", "17% polyester", "3% elastane"},
		map[string]any{"pairs": 5}, "1.90", 150, []int64{250, 120, 40}, nil,
		nil, []string{"fibre_composition"}, []string{"EU", "US", "SG", "MY"}},
	{"DEMO-HOM-001", "不锈钢保温杯 500 毫升", "Stainless-steel vacuum flask, 500 ml", "home", "961700", []string{"304 stainless steel", "PP lid"},
		map[string]any{"volume_ml": 500, "food_contact": true}, "3.60", 320, []int64{230, 75, 75}, nil,
		nil, nil, []string{"EU", "US", "JP"}},
	{"DEMO-HOM-002", "硅胶烘焙垫", "Silicone baking mat", "home", "392410", []string{"food-grade silicone", "glass fibre"},
		map[string]any{"food_contact": true, "max_temp_c": 230}, "1.50", 140, []int64{420, 300, 2}, nil,
		[]string{"FDA", "LFGB"}, nil, []string{"EU", "US"}},
	{"DEMO-HOM-003", "仿真花束", "Artificial flower bouquet", "home", "670210", []string{"PE plastic", "iron wire"},
		map[string]any{"stems": 7}, "2.20", 120, []int64{450, 150, 100}, nil,
		nil, nil, []string{"EU", "US", "MY"}},
	{"DEMO-HOM-004", "圣诞 LED 灯串 10 米", "Christmas LED string lights, 10 m", "home", "940531", []string{"copper wire", "PVC"},
		map[string]any{"leds": 100, "battery_type": "AA x3"}, "2.90", 210, []int64{150, 120, 60},
		&catalog.Battery{Chemistry: "alkaline", Packing: "packed_with_equipment"},
		[]string{"CE"}, []string{"CE", "indoor_use"}, []string{"EU", "GB", "US"}},
}

// demoChannel is a sales channel with its buyers' countries and currency.
type demoChannel struct {
	channel, prefix, currency string
	places                    []demoPlace
}

type demoPlace struct {
	name, email, line1, city, postcode, country, region string
}

var demoChannels = []demoChannel{
	{"amazon-de", "AMZ-DE", "EUR", []demoPlace{
		{"Jonas Weber", "jonas.weber@example.de", "Invalidenstr. 1", "Berlin", "10115", "DE", ""},
		{"Lea Schmidt", "lea.schmidt@example.de", "Leopoldstr. 12", "München", "80802", "DE", ""},
		{"Pieter de Vries", "pieter@example.nl", "Prinsengracht 263", "Amsterdam", "1016 GV", "NL", ""},
	}},
	{"amazon-fr", "AMZ-FR", "EUR", []demoPlace{
		{"Camille Martin", "camille.martin@example.fr", "12 rue de Rivoli", "Paris", "75004", "FR", ""},
		{"Lucas Bernard", "lucas.b@example.fr", "5 place Bellecour", "Lyon", "69002", "FR", ""},
	}},
	{"amazon-us", "AMZ-US", "USD", []demoPlace{
		{"Emily Johnson", "emily.j@example.com", "350 Fifth Avenue", "New York", "10118", "US", "NY"},
		{"Michael Brown", "mbrown@example.com", "1600 Amphitheatre Pkwy", "Mountain View", "94043", "US", "CA"},
	}},
	{"amazon-uk", "AMZ-UK", "GBP", []demoPlace{
		{"Oliver Smith", "oliver.smith@example.co.uk", "221B Baker Street", "London", "NW1 6XE", "GB", ""},
	}},
	{"shopee-sg", "SHP-SG", "SGD", []demoPlace{
		{"Tan Wei Ling", "weiling.tan@example.sg", "1 Raffles Place", "Singapore", "048616", "SG", ""},
		{"Muhammad Hafiz", "hafiz@example.sg", "50 Jurong Gateway Rd", "Singapore", "608549", "SG", ""},
	}},
	{"shopee-my", "SHP-MY", "MYR", []demoPlace{
		{"Nur Aisyah", "aisyah@example.my", "Jalan Bukit Bintang 55", "Kuala Lumpur", "55100", "MY", "Kuala Lumpur"},
		{"Lim Chee Keong", "ck.lim@example.my", "Lebuh Chulia 20", "George Town", "10200", "MY", "Penang"},
	}},
	{"tiktok-shop", "TT", "USD", []demoPlace{
		{"Ashley Davis", "ashley.d@example.com", "800 Congress Ave", "Austin", "78701", "US", "TX"},
		{"Sophie Taylor", "sophie.t@example.co.uk", "10 Deansgate", "Manchester", "M3 4LQ", "GB", ""},
	}},
	{"own-shop", "WEB", "EUR", []demoPlace{
		{"Giulia Rossi", "giulia.rossi@example.it", "Via del Corso 101", "Roma", "00186", "IT", ""},
		{"Ana García", "ana.garcia@example.es", "Calle Mayor 5", "Madrid", "28013", "ES", ""},
	}},
	{"rakuten-jp", "RKT", "JPY", []demoPlace{
		{"佐藤 花子", "hanako.sato@example.jp", "丸の内 1-9-1", "千代田区", "100-0005", "JP", "東京都"},
	}},
}

// demoPrice is the selling price of a product in currency: its value in
// USD with a marketplace margin, roughly converted.
func demoPrice(usd string, currency string, r *rand.Rand) string {
	rate := map[string]float64{"USD": 1, "EUR": 0.93, "GBP": 0.79, "SGD": 1.35, "MYR": 4.7, "JPY": 150}[currency]
	var v float64
	fmt.Sscanf(usd, "%g", &v)
	p := v * (2.2 + r.Float64()) * rate
	d, _ := money.Digits(currency)
	if d == 0 {
		return fmt.Sprintf("%d", int64(p/10)*10+90)
	}
	return fmt.Sprintf("%d.99", int64(p))
}

// demoPartnerInterchange is the sample 850 a retail partner sent: one
// purchase order for two sample products, shipped to Hamburg.
const demoPartnerInterchange = "ISA*00*          *00*          *ZZ*EUROTOYSRETAIL *ZZ*YIWUBRIGHT     *261120*0930*^*00501*000000101*0*P*>~" +
	"GS*PO*EUROTOYSRETAIL*YIWUBRIGHT*20261120*0930*101*X*005010~" +
	"ST*850*0001~BEG*00*SA*ETR-PO-4711**20261120~CUR*BY*EUR~N1*ST*Euro Toys Retail GmbH Lager Nord~N3*Am Sandtorkai 50~" +
	"N4*Hamburg**20457*DE~PO1*1*48*EA*6.20**VP*DEMO-TOY-001~PO1*2*24*EA*12.90**VP*DEMO-TOY-002~CTT*2~SE*10*0001~" +
	"GE*1*101~IEA*1*000000101~"

// seedSampleData fills the demo tenant with sample data, once.
func (a *App) seedSampleData(ctx context.Context, tenantID string) (bool, error) {
	ctx = db.WithScope(ctx, db.Scope{TenantID: tenantID})
	ctx = audit.WithActor(ctx, audit.Actor{ID: "demo-seed", Type: "system", TenantID: tenantID})
	if _, err := a.Products.GetBySKU(ctx, demoProducts[0].sku); err == nil {
		return false, nil
	} else if !errors.Is(err, problem.ErrNotFound) {
		return false, err
	}
	err := a.DB.InTx(ctx, func(ctx context.Context) error {
		for _, d := range demoProducts {
			p := catalog.Product{SKU: d.sku, Title: catalog.Title{"zh-CN": d.zh, "en": d.en}, Category: d.category, HSCode: d.hs,
				Materials: d.materials, Attributes: d.attrs, OriginCountry: "CN", UnitValue: &money.Money{Amount: d.usd, Currency: "USD"},
				DimsMM: d.dims, Battery: d.battery, Certifications: d.certs, Labels: d.labels, Markets: d.markets}
			g := d.grams
			p.WeightG = &g
			if _, err := a.Products.Create(ctx, p); err != nil {
				return fmt.Errorf("product %s: %w", d.sku, err)
			}
		}
		if err := a.seedDemoOrders(ctx); err != nil {
			return err
		}
		_, err := a.EDI.SavePartner(ctx, "", ediapi.PartnerInput{Name: "Euro Toys Retail GmbH (sample partner)", Standard: edi.X12,
			PartnerID: edi.Identity{Qualifier: "ZZ", ID: "EUROTOYSRETAIL"}, LocalID: edi.Identity{Qualifier: "ZZ", ID: "YIWUBRIGHT"},
			Ack: edi.Ack997, DefaultCurrency: "EUR", TimeZone: "Europe/Berlin"})
		if err != nil {
			return fmt.Errorf("edi partner: %w", err)
		}
		if _, _, err := a.EDI.Receive(ctx, strings.NewReader(demoPartnerInterchange), "application/edi-x12"); err != nil {
			return fmt.Errorf("edi interchange: %w", err)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	a.seedDemoChecks(ctx)
	// Sample overseas warehouses (DE, GB, US) with stock of some demo SKUs;
	// a failure leaves the demo without them, not without data.
	if _, err := a.Warehouses.SeedSamples(ctx); err != nil {
		a.Log.Warn("demo: sample warehouses", "err", err)
	}
	// The shop ships from its Yiwu warehouse: the default sender makes
	// "Ship an order" compare offers at once.
	if _, err := a.Shipments.SetSender(ctx, sandbox.Sender); err != nil {
		a.Log.Warn("demo: default sender", "err", err)
	}
	return true, nil
}

// demoChecks are the compliance checks the tour opens: a power bank sent
// to the EU by air (a dangerous-goods finding) and a magnet toy sold in
// the US (a toy-safety finding).
var demoChecks = []struct {
	sku, market, transport string
}{{"DEMO-ELE-001", "EU", "air"}, {"DEMO-TOY-002", "US", ""}}

// seedDemoChecks runs the demo checks once the products are stored. A
// failure leaves the demo without a sample report, not without data.
func (a *App) seedDemoChecks(ctx context.Context) {
	for _, c := range demoChecks {
		p, err := a.Products.GetBySKU(ctx, c.sku)
		if err == nil {
			_, err = a.Checks.Check(ctx, checks.Request{ProductID: p.ID, Markets: []string{c.market}, Transport: c.transport})
		}
		if err != nil {
			a.Log.Warn("demo: compliance check", "sku", c.sku, "err", err)
		}
	}
}

// seedDemoOrders places 60 orders over the last six weeks, 1 to 3 lines
// each, and moves them along their life cycle: most recent ones still
// received, older ones shipped or delivered, a few cancelled or returned.
func (a *App) seedDemoOrders(ctx context.Context) error {
	r := rand.New(rand.NewPCG(2026, 11))
	now := time.Now().UTC().Truncate(time.Minute)
	for i := range 60 {
		ch := demoChannels[i%len(demoChannels)]
		pl := ch.places[r.IntN(len(ch.places))]
		age := time.Duration(60-i) * 17 * time.Hour
		n := orders.NewOrder{ExternalID: fmt.Sprintf("%s-SAMPLE-%04d", ch.prefix, 1001+i), Channel: ch.channel,
			PlacedAt: now.Add(-age - time.Duration(r.IntN(600))*time.Minute), Currency: ch.currency,
			Buyer:  orders.Buyer{Name: pl.name, Email: pl.email, Country: pl.country},
			ShipTo: orders.Address{Name: pl.name, Line1: pl.line1, City: pl.city, Region: pl.region, Postcode: pl.postcode, Country: pl.country}}
		for _, k := range r.Perm(len(demoProducts))[:1+r.IntN(3)] {
			p := demoProducts[k]
			n.Lines = append(n.Lines, orders.Line{SKU: p.sku, Title: p.en, Quantity: int64(1 + r.IntN(3)),
				UnitPrice: money.Money{Amount: demoPrice(p.usd, ch.currency, r), Currency: ch.currency}})
		}
		o, err := a.Orders.Create(ctx, n)
		if err != nil {
			return fmt.Errorf("order %s: %w", n.ExternalID, err)
		}
		var path []orders.Status
		switch days := age.Hours() / 24; {
		case i%13 == 5:
			path = []orders.Status{orders.Cancelled}
		case i%17 == 3 && days > 14:
			path = []orders.Status{orders.Confirmed, orders.Shipped, orders.Delivered, orders.Returned}
		case days > 14:
			path = []orders.Status{orders.Confirmed, orders.Shipped, orders.Delivered}
		case days > 6:
			path = []orders.Status{orders.Confirmed, orders.Shipped}
		case days > 3:
			path = []orders.Status{orders.Confirmed}
		}
		for _, st := range path {
			note := ""
			if st == orders.Shipped {
				note = fmt.Sprintf("sample tracking number YT26%08d", r.IntN(1e8))
			}
			if _, err := a.Orders.SetStatus(ctx, o.ID, orders.StatusUpdate{Status: st, Note: note}); err != nil {
				return fmt.Errorf("order %s → %s: %w", n.ExternalID, st, err)
			}
		}
	}
	return nil
}
