package hs

import (
	"strings"
	"testing"
	"unicode"
)

// labelled are marketplace-style product titles with the headings a
// customs broker would accept for them (several where the material or
// knitted/woven decides and the title does not say). Half are Chinese.
var labelled = []struct {
	title    string
	headings []string
}{
	// Chinese
	{"2024新款无线蓝牙耳机 降噪 超长续航 运动跑步入耳式", []string{"8518"}},
	{"20000毫安充电宝 超薄快充 大容量移动电源", []string{"8507"}},
	{"iPhone15手机壳 硅胶防摔 透明保护套", []string{"3926", "4202"}},
	{"法式碎花连衣裙女夏季 收腰显瘦 雪纺长裙", []string{"6104", "6204"}},
	{"可爱小熊毛绒玩具 抱枕 儿童生日礼物", []string{"9503", "9404"}},
	{"哑光丝绒口红 不易掉色 滋润显白", []string{"3304"}},
	{"316不锈钢保温杯 男女大容量 便携水杯", []string{"9617"}},
	{"Type-C数据线 6A快充 1米 适用华为小米", []string{"8544"}},
	{"LED台灯 护眼学习 宿舍卧室床头灯", []string{"9405"}},
	{"加厚瑜伽垫 防滑 健身垫 初学者 10mm", []string{"9506"}},
	{"男士纯棉短袖T恤 圆领 宽松 夏季", []string{"6109"}},
	{"大容量双肩包 男 商务电脑背包 防水", []string{"4202"}},
	{"不锈钢炒锅 无涂层 家用 燃气电磁炉通用", []string{"7323"}},
	{"智能手表 心率血压监测 蓝牙通话 运动手环", []string{"8517"}},
	{"女士运动鞋 透气网面 轻便跑鞋", []string{"6404", "6402"}},
	{"925纯银项链 女 锁骨链 简约吊坠", []string{"7113", "7117"}},
	{"保湿补水面膜 玻尿酸 20片装", []string{"3304"}},
	{"儿童积木 拼装玩具 益智 大颗粒 兼容乐高", []string{"9503"}},
	{"电动牙刷 成人 声波 自动 软毛 充电式", []string{"8509"}},
	{"负离子电吹风 家用 大功率 速干 静音", []string{"8516"}},
	{"纯棉四件套 床单被套 1.8米床 简约", []string{"6302"}},
	{"硅胶蛋糕模具 烘焙工具 家用烤箱用", []string{"3924"}},
	{"猫粮 成猫 幼猫 全价 鱼肉味 10kg", []string{"2309"}},
	{"真皮钱包 男士 短款 多卡位 头层牛皮", []string{"4202"}},
	{"户外露营帐篷 3-4人 防雨 自动速开", []string{"6306"}},
	{"宝宝连体衣 婴儿 纯棉 新生儿 哈衣 春秋", []string{"6111", "6209"}},
	{"女士防晒霜 SPF50 清爽不油腻 隔离", []string{"3304"}},
	{"USB小风扇 手持 便携 静音 学生宿舍", []string{"8414"}},
	{"仿真花 假花 客厅装饰 玫瑰 花束", []string{"6702"}},
	{"中性笔 0.5mm 黑色 学生考试 办公 12支", []string{"9608"}},
	{"钓鱼竿 碳素 超轻超硬 台钓竿 手竿", []string{"9507"}},
	{"一次性医用口罩 三层 防护 50只", []string{"6307"}},
	// English
	{"Wireless Bluetooth Earbuds with Charging Case, Noise Cancelling Headphones", []string{"8518"}},
	{"Portable Power Bank 10000mAh Fast Charging Battery Pack", []string{"8507"}},
	{"Women's Floral Maxi Dress Summer Boho Beach Sundress", []string{"6104", "6204"}},
	{"Men's Cotton Crew Neck T-Shirt Short Sleeve", []string{"6109"}},
	{"Stainless Steel Vacuum Insulated Water Bottle 32oz", []string{"9617", "7323"}},
	{"Plush Teddy Bear Stuffed Animal Toy 30cm", []string{"9503"}},
	{"Matte Liquid Lipstick Long Lasting Waterproof", []string{"3304"}},
	{"Non-Slip Yoga Mat Extra Thick Exercise Mat with Carrying Strap", []string{"9506"}},
	{"USB-C to USB-C Charging Cable 2m Braided", []string{"8544"}},
	{"LED Desk Lamp with Wireless Charger, Dimmable Table Lamp", []string{"9405"}},
	{"Clear Silicone Phone Case for iPhone 15 Shockproof", []string{"3926", "4202"}},
	{"Laptop Backpack Waterproof Travel Rucksack 15.6 inch", []string{"4202"}},
	{"Genuine Leather Bifold Wallet for Men RFID Blocking", []string{"4202"}},
	{"Sterling Silver Pendant Necklace for Women", []string{"7113", "7117"}},
	{"Hydrating Sheet Face Mask Hyaluronic Acid 10 Pack", []string{"3304"}},
	{"Building Blocks Set Creative Bricks Toy for Kids", []string{"9503"}},
	{"Electric Toothbrush Rechargeable Sonic with 4 Brush Heads", []string{"8509"}},
	{"Ionic Hair Dryer 1800W Fast Drying Blow Dryer", []string{"8516"}},
	{"Smart Watch Fitness Tracker with Heart Rate Monitor", []string{"8517"}},
	{"Running Shoes Men Lightweight Breathable Sneakers", []string{"6404", "6402"}},
	{"Nonstick Frying Pan 28cm Induction Compatible", []string{"7323", "7615"}},
	{"Cotton Bath Towel Set Soft Absorbent", []string{"6302"}},
	{"Dry Cat Food Salmon Recipe Adult Cats 4kg", []string{"2309"}},
	{"Camping Tent 4 Person Waterproof Pop Up", []string{"6306"}},
	{"Baby Romper Organic Cotton Newborn Bodysuit", []string{"6111", "6209"}},
	{"Sunscreen Lotion SPF 50 Broad Spectrum", []string{"3304"}},
	{"Handheld Mini Fan USB Rechargeable Portable Fan", []string{"8414"}},
	{"Artificial Flowers Silk Roses Bouquet for Home Decor", []string{"6702"}},
	{"Gel Ink Pens Black 0.5mm Pack of 12", []string{"9608"}},
	{"Carbon Fiber Telescopic Fishing Rod", []string{"9507"}},
	{"Ceramic Coffee Mug 350ml with Handle", []string{"6912", "6911"}},
	{"Kids Remote Control Car Off Road RC Truck", []string{"9503"}},
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// TestTop3Accuracy is the evaluation: a right heading among the first
// three suggestions for at least 80 % of the titles, in each language.
func TestTop3Accuracy(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(labelled) < 60 {
		t.Fatalf("only %d labelled titles", len(labelled))
	}
	total := map[bool]int{}
	right := map[bool]int{}
	for _, l := range labelled {
		zh := hasHan(l.title)
		total[zh]++
		got := c.Suggest(l.title, 3)
		ok := false
		var codes []string
		for _, s := range got {
			codes = append(codes, s.Code)
			for _, h := range l.headings {
				if strings.HasPrefix(s.Code, h) {
					ok = true
				}
			}
		}
		if ok {
			right[zh]++
		} else {
			t.Logf("miss: %s → %v, want %v", l.title, codes, l.headings)
		}
	}
	if total[true]*2 < len(labelled)-1 {
		t.Errorf("%d of %d titles are Chinese; want half", total[true], len(labelled))
	}
	for _, zh := range []bool{true, false} {
		acc := float64(right[zh]) / float64(total[zh])
		t.Logf("chinese=%v: top-3 heading accuracy %.2f (%d/%d)", zh, acc, right[zh], total[zh])
		if acc < 0.8 {
			t.Errorf("chinese=%v: top-3 heading accuracy %.2f, want at least 0.80", zh, acc)
		}
	}
	all := float64(right[true]+right[false]) / float64(len(labelled))
	if all < 0.8 {
		t.Errorf("top-3 heading accuracy %.2f, want at least 0.80", all)
	}
}

func BenchmarkSuggest(b *testing.B) {
	c, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c.Suggest(labelled[i%len(labelled)].title, 5)
	}
}

func BenchmarkBuild(b *testing.B) {
	n, err := Load()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(n, glossaryTSV); err != nil {
			b.Fatal(err)
		}
	}
}
