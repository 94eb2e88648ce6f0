package screening

import (
	"strings"
)

// pinyinTable holds the Mandarin reading of the Han characters that make
// up most Chinese personal names and company names: the common surnames,
// frequent given-name characters, place names and business words, in
// simplified and traditional forms. Written by hand from the standard
// readings (no pinyin library is available to the build); a character
// missing here stays a token of its own, so a Han query still matches the
// same Han name on a list.
const pinyinTable = `
a:阿啊 ai:艾爱愛 an:安 ang:昂 ao:奥奧澳敖
ba:巴八 bai:白百柏 ban:班 bang:邦帮幫 bao:包宝寶保鲍鮑 bei:北贝貝 ben:本 bi:毕畢碧 bian:边邊卞 biao:彪 bin:宾賓斌彬滨濱 bing:冰兵炳 bo:波博柏伯勃 bu:步
cai:蔡才财財彩 can:灿燦 cang:仓倉 cao:曹草 cen:岑 chang:常长長昌畅暢 chao:超朝潮 che:车車 chen:陈陳晨辰沈臣 cheng:成程城诚誠承 chi:池驰馳 chong:崇 chu:楚储儲初 chuan:川船传傳 chuang:创創 chun:春纯純 ci:慈 cong:丛叢聪聰 cui:崔翠
da:大达達 dai:戴代 dan:丹单單 dang:党黨 dao:道 de:德 deng:邓鄧登 di:狄迪帝 dian:电電典 ding:丁定鼎 dong:董东東冬栋棟 dou:窦竇 du:杜都 duan:段 dun:敦
e:鄂 en:恩 er:尔爾
fa:发發法 fan:范樊凡帆范 fang:方芳房 fei:费費飞飛菲 fen:芬 feng:冯馮丰豐风風峰锋鋒凤鳳 fu:傅付福富府复復
gai:盖蓋 gan:甘 gang:刚剛钢鋼港 gao:高 ge:葛戈格 geng:耿 gong:龚龔宫宮工公 gou:苟 gu:顾顧古谷 guan:关關管 guang:光广廣 gui:桂贵貴 guo:郭国國果
ha:哈 hai:海 han:韩韓汉漢寒翰涵 hang:杭航 hao:郝浩豪昊好 he:何贺賀和河合 hei:黑 heng:恒恆衡 hong:洪红紅宏鸿鴻 hou:侯 hu:胡湖虎 hua:华華花化 huai:怀懷 huan:欢歡环環 huang:黄黃皇 hui:惠辉輝慧汇匯会會 hun:魂 huo:霍火
ji:纪紀吉姬季冀机機技基积積济濟继繼吉集 jia:贾賈家佳嘉 jian:简簡建健剑劍坚堅 jiang:江蒋蔣姜将將 jiao:焦娇嬌 jie:杰傑洁潔捷 jin:金晋晉锦錦津进進 jing:景静靜晶京经經精 jiu:九久 ju:居菊巨聚 jun:军軍君俊峻均
kai:凯凱开開 kang:康 ke:柯科克可 kong:孔控 kou:寇 kuang:匡 kun:坤昆
lai:赖賴来來 lan:蓝藍兰蘭 lang:郎朗 lao:劳勞 le:乐樂勒 lei:雷蕾磊 leng:冷 li:李黎厉厲利力立丽麗礼禮理莉 lian:连連廉联聯 liang:梁良亮 liao:廖辽遼 lin:林麟霖琳临臨 ling:凌玲灵靈岭嶺 liu:刘劉柳流 long:龙龍隆 lou:楼樓娄婁 lu:卢盧陆陸鲁魯路露吕 lv:吕呂绿綠 luo:罗羅骆駱洛 lü:律
ma:马馬麻 mai:麦麥迈邁 man:满滿曼 mao:毛茂 mei:梅美 meng:孟蒙梦夢 mi:米 miao:苗 min:民敏闽閩 ming:明铭銘鸣鳴 mo:莫墨 mu:穆木牧
na:纳納娜 nan:南楠 ni:倪尼妮 nian:年 ning:宁寧凝 niu:牛 nong:农農
ou:欧歐区區
pan:潘盘盤 pang:庞龐 pei:裴培沛 peng:彭鹏鵬 ping:平萍 pu:蒲浦普
qi:齐齊祁琦奇启啟其气氣 qian:钱錢千乾 qiang:强強 qiao:乔喬 qin:秦勤琴 qing:青清庆慶 qiu:邱秋 qu:曲瞿 quan:全泉权權
ran:冉然 ren:任仁 rong:荣榮容融 ru:如汝 rui:瑞锐銳睿芮 run:润潤
shan:山善珊 shang:尚商上 shao:邵少 she:佘 shen:沈申深神 sheng:盛胜勝圣聖生晟 shi:石史施师師时時世士实實市仕 shou:寿壽 shu:舒淑树樹书書 shuang:双雙 shui:水 shun:顺順 si:司思斯四丝絲 song:宋松嵩 su:苏蘇素 sun:孙孫 suo:索
tai:太泰台 tan:谭譚汤湯 tang:唐汤湯堂 tao:陶涛濤桃 teng:滕腾騰 tian:田天添 tie:铁鐵 ting:婷亭庭 tong:童通同桐 tu:涂屠图圖
wan:万萬宛晚湾灣 wang:王汪旺望 wei:魏韦韋卫衛伟偉威维維薇微为為 wen:温溫文闻聞 weng:翁 wu:吴吳武伍吾五物务務 
xi:席西熙喜希锡錫 xia:夏霞厦廈 xian:冼贤賢先显顯仙 xiang:向项項香祥翔湘相 xiao:萧蕭肖晓曉小孝 xie:谢謝解 xin:辛新鑫欣信心芯 xing:邢星兴興杏 xiong:熊雄 xiu:秀修 xu:徐许許旭须須 xuan:宣轩軒萱 xue:薛雪学學 xun:寻尋迅
ya:亚亞雅 yan:严嚴颜顏闫閆燕岩彦研延 yang:杨楊阳陽洋扬揚 yao:姚尧堯耀 ye:叶葉业業 yi:易伊怡义義毅艺藝益一仪儀亿億 yin:殷尹银銀印音 ying:英应應颖穎莹瑩营營鹰鷹 yong:永勇涌湧 you:尤游友有优優 yu:于余俞於宇玉雨于禹瑜裕渔漁鱼魚宇 yuan:袁元源远遠园園苑 yue:岳月越悦悅 yun:云雲运運韵韻
zeng:曾增 zhai:翟 zhan:詹展战戰 zhang:张張章 zhao:赵趙昭照招 zhe:哲浙 zhen:甄真振珍震镇鎮 zheng:郑鄭正政证證 zhi:智志芝知治致制至 zhong:钟鍾中忠众眾 zhou:周州洲舟 zhu:朱祝竹珠诸諸 zhuang:庄莊壮壯 zi:子紫资資 zong:宗综綜 zou:邹鄒 zuo:左卓
jiang:疆 xin:馨 kong:空 hang:航 qi:企 dong:动動 li:力 ji:激 guang:光 xiang:象 long:隆 kuang:矿礦 cheng:承 you:油 hua:化 dian:电電 zi:子 shu:数數 kong:控 chuang:创創 jian:舰艦 chuan:船 wu:武物 ye:冶 liu:流 mao:贸貿 yi:易 bing:兵 tuan:团團 gong:公工 si:司 ju:局 chang:厂廠 yuan:院 suo:所 she:设設 bei:备備 ji:技机機 shu:术術 ke:科 xue:学學 yan:研 fa:发發 zhan:展 tong:通 xin:信 xi:息 ruan:软軟 jian:件 guo:国國 ji:际際 sheng:省 shi:市 qu:区區 xian:县縣 shen:深 zhen:圳 bei:北 jing:京 shang:上 hai:海 tian:天 jin:津 chong:重 qing:庆慶 guang:广廣 zhou:州 wu:武 han:汉漢 nan:南 cheng:成 du:都 xi:西 an:安 hang:杭 su:苏蘇 zhe:浙 shan:山 dong:东東 he:河 hu:湖 fu:福 jian:建 yun:云雲 gui:贵貴 liao:辽遼 ning:宁寧 ji:吉 hei:黑 long:龙龍 xin:新 jiang:江 ning:宁 bo:波 xia:厦廈 men:门門 da:大 lian:连連 qing:青 dao:岛島 xiang:香 gang:港 ao:澳 tai:台臺 wan:湾灣 zhu:珠 dong:东 guan:莞 fo:佛 hui:惠 shao:韶 kun:昆 ming:明 he:合 fei:肥 nan:南 chang:昌 zheng:郑鄭 zhou:州 lan:兰蘭 yin:银銀 chuan:川 shen:神 ha:哈 er:尔爾 bin:滨濱 chun:春 chang:长長 sha:沙 tai:太 yuan:原 shi:石 jia:家 zhuang:庄 ji:济濟 tang:唐 bao:保 ding:定 lang:廊 fang:坊 yan:烟煙 tai:台 wei:威 hai:海 wen:文 ling:陵 xu:徐 wu:无無 xi:锡錫 chang:常 su:苏 jia:嘉 xing:兴興 shao:绍紹 yi:义義 jin:金 hua:华華 tong:铜銅 qian:前 hou:后後 zhong:中 xin:心 ren:人 min:民 gong:共 he:和 bing:兵 xin:鑫 tai:泰 feng:丰豐 ke:可 ming:铭 heng:恒 ji:集 yu:宇 hang:航 tian:天 jie:捷 kang:康 sheng:盛 rui:瑞 hong:鸿鴻 da:达達 tong:通 bao:宝寶 li:利 wei:维維 ou:欧歐 mei:美 ya:亚亞 fei:非 e:俄 de:德 fa:法 ying:英 ri:日 yin:印 ba:巴 xi:希 yi:伊 lang:朗 chao:朝 xian:鲜鮮 han:韩韓 mian:缅緬 dian:甸 yue:越 lao:老 wo:沃 er:二 san:三 si:四 liu:六 qi:七 ba:八 jiu:九 shi:十 bai:百 qian:千 wan:万萬 yi:亿億 ling:零 guo:国 yao:药藥 ye:业業 neng:能 yuan:源 huan:环環 bao:保 cai:材 liao:料 su:塑 jiao:胶膠 fang:纺紡 zhi:织織 fu:服 zhuang:装裝 qi:汽 che:车車 pei:配 jian:件 jing:精 mi:密 yi:仪儀 qi:器 shu:数 kong:控 ji:激 guang:光 hang:行 yin:银 xing:行 dai:贷貸 kuan:款 rong:融 zi:资資 tou:投 zi:资 kong:控 gu:股 fen:份 you:有 xian:限 ze:责責 ren:任 gong:公 si:司 ji:集 tuan:团團 chan:产產 pin:品 wu:物 liu:流 yun:运運 shu:输輸 huo:货貨 dai:代 li:理 jin:进進 chu:出 kou:口 mao:贸貿 yi:易 shang:商 wu:务務 ke:科 ji:技 fa:发 zhan:展 zhi:制製 zao:造 jia:加 gong:工 ning:宁
`

var pinyin = func() map[rune]string {
	m := map[rune]string{}
	for _, f := range strings.Fields(pinyinTable) {
		syl, chars, ok := strings.Cut(f, ":")
		if !ok {
			continue
		}
		for _, r := range chars {
			if _, dup := m[r]; !dup {
				m[r] = syl
			}
		}
	}
	return m
}()

// compoundSurnames are two-character surnames.
var compoundSurnames = set("欧阳", "歐陽", "司马", "司馬", "上官", "诸葛", "諸葛", "东方", "東方", "皇甫", "尉迟", "尉遲",
	"公孙", "公孫", "慕容", "令狐", "司徒", "夏侯", "端木", "长孙", "長孫", "宇文")

// surnames are the single-character surnames that decide whether a short
// Han run is a personal name (surname + given name) or a word.
var surnames = func() map[rune]bool {
	m := map[rune]bool{}
	for _, r := range "赵趙钱錢孙孫李周吴吳郑鄭王冯馮陈陳褚卫衛蒋蔣沈韩韓杨楊朱秦尤许許何吕呂施张張孔曹严嚴华華金魏陶姜" +
		"戚谢謝邹鄒喻柏水窦竇章云雲苏蘇潘葛奚范彭郎鲁魯韦韋昌马馬苗凤鳳花方俞任袁柳酆鲍鮑史唐费費廉岑薛雷贺賀倪汤湯" +
		"滕殷罗羅毕畢郝邬鄔安常乐樂于时時傅皮卞齐齊康伍余元卜顾顧孟平黄黃和穆萧蕭尹姚邵湛汪祁毛禹狄米贝貝明臧计計" +
		"伏成戴谈談宋茅庞龐熊纪紀舒屈项項祝董梁杜阮蓝藍闵閔席季麻强強贾賈路娄婁危江童颜顏郭梅盛林刁钟鍾徐邱骆駱高夏" +
		"蔡田樊胡凌霍虞万萬支柯管卢盧莫房裘缪繆干解应應宗丁宣邓鄧郁单單杭洪包诸諸左石崔吉龚龔程邢裴陆陸荣榮翁荀" +
		"羊惠甄曲封储儲靳段富巫乌烏焦巴弓牧山谷车車侯全班仰秋仲伊宫宮宁寧仇栾欒暴甘厉厲戎祖武符刘劉景詹束龙龍叶葉" +
		"幸司黎薄印宿白怀懷蒲邰从從鄂索咸籍赖賴卓蔺藺屠蒙池乔喬阴陰胥苍蒼双雙闻聞莘党黨翟谭譚贡貢劳勞姬申扶堵冉宰" +
		"郦酈雍桑桂濮牛寿壽通边邊扈燕冀浦尚农農温溫别庄莊晏柴瞿阎閻充慕连連茹习習艾鱼魚容向古易廖庾终終居衡步都耿满滿" +
		"弘匡国國文寇广廣禄祿阙闕东東欧歐沃利蔚越隆师師巩鞏聂聶晁勾敖融冷訾辛阚闞那简簡饶饒空曾沙养養鞠须須丰豐巢关關" +
		"蒯相查后荆荊红紅游竺权權逯盖蓋益桓公闫閆覃" {
		m[r] = true
	}
	return m
}()

// hanLegal are the Chinese legal-form and business suffixes, longest
// first: 北京某某科技有限公司 and 北京某某科技 are one party.
var hanLegal = []string{
	"股份有限公司", "有限责任公司", "有限責任公司", "集团有限公司", "集團有限公司", "控股有限公司", "有限公司",
	"株式会社", "株式會社", "集团公司", "集團公司", "总公司", "總公司", "分公司", "公司", "集团", "集團", "控股", "股份", "有限",
}

// hanWords reads a run of Han characters. A short run that starts with a
// surname is a personal name and becomes surname + given name
// (赵光宗 → zhao guangzong, the way passports and lists write it); a
// longer run is read character by character after its legal form is cut.
func hanWords(run string) []string {
	for changed := true; changed; {
		changed = false
		for _, suf := range hanLegal {
			if strings.HasSuffix(run, suf) {
				run = strings.TrimSuffix(run, suf)
				changed = true
			}
		}
	}
	if run == "" {
		// A run that is only a legal form, as after "(香港)".
		return nil
	}
	rs := []rune(run)
	py := func(r rune) string {
		if p, ok := pinyin[r]; ok {
			return p
		}
		return string(r)
	}
	if n := len(rs); n >= 2 && n <= 4 {
		sl := 0
		if n >= 3 && compoundSurnames[string(rs[:2])] {
			sl = 2
		} else if surnames[rs[0]] {
			sl = 1
		}
		if sl > 0 {
			var sur, given strings.Builder
			for _, r := range rs[:sl] {
				sur.WriteString(py(r))
			}
			for _, r := range rs[sl:] {
				given.WriteString(py(r))
			}
			return []string{sur.String(), given.String()}
		}
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = py(r)
	}
	return out
}
