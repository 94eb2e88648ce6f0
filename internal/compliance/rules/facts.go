package rules

// Fact types.
const (
	Bool   = "bool"
	Number = "number"
	String = "string"
)

// Fact is one entry of the attribute vocabulary: what rules may test, and
// how a product states it. Integrators send facts as product attributes
// under the same names (attributes.radio = true); the checker also derives
// facts from the product's fields and infers some from its HS code and
// titles, and says so in the finding.
type Fact struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Unit        string `json:"unit,omitempty"`
	Description string `json:"description"`
	// From says where the checker finds or infers the fact.
	From string `json:"from"`
}

// Facts is the attribute vocabulary. Rules may only test facts listed here
// (validation refuses others), so that every fact is documented for
// integrators and derived by the checker in the same way.
var Facts = []Fact{
	{"destination", String, "", "market of the check (ISO alpha-2, EU, GLOBAL)", "the check request"},
	{"transport", String, "", "air, sea, rail, road or post", "the check request"},
	{"channel", String, "", "sales channel: online, marketplace, retail, b2b", "attributes.channel; default online"},
	{"hs_code", String, "", "HS code digits", "product.hs_code"},
	{"category", String, "", "category tag from Categories", "product.category, attributes.categories; inferred from the HS chapter"},
	{"origin_country", String, "", "country of manufacture (ISO alpha-2)", "product.origin_country"},
	{"origin_region", String, "", "region of manufacture, e.g. xinjiang", "attributes.origin_region"},
	{"unit_value", Number, "", "declared value per unit in the product's currency", "product.unit_value"},
	{"weight_g", Number, "g", "gross weight per unit", "product.weight_g"},
	{"consumer_product", Bool, "", "intended for or likely to be used by consumers", "attributes.consumer_product; default true"},
	{"electrical", Bool, "", "has electrical or electronic components", "attributes.electrical; inferred from HS 84/85/90/94.05/95.03, a battery, or a voltage"},
	{"rated_voltage_ac_v", Number, "V", "rated AC supply voltage", "attributes.rated_voltage_ac_v"},
	{"rated_voltage_dc_v", Number, "V", "rated DC supply voltage", "attributes.rated_voltage_dc_v"},
	{"radio", Bool, "", "intentionally emits or receives radio waves (Bluetooth, Wi-Fi, cellular, NFC, GPS)", "attributes.radio; inferred from HS 8517.62/8525/8526/8527 or a title naming Bluetooth, Wi-Fi, wireless, 蓝牙, 无线"},
	{"connected", Bool, "", "connects to the internet or a network (consumer IoT)", "attributes.connected; inferred from Wi-Fi, app control, smart"},
	{"children_product", Bool, "", "designed or intended primarily for children", "attributes.children_product; inferred from category toys/childcare or an age below 14"},
	{"age_max_years", Number, "years", "upper age the product is designed for (toys: designed for play by children under N)", "attributes.age_max_years"},
	{"age_min_months", Number, "months", "lowest age the product is suitable for", "attributes.age_min_months"},
	{"small_parts", Bool, "", "contains small parts (choking hazard)", "attributes.small_parts"},
	{"contains_magnets", Bool, "", "contains magnets", "attributes.contains_magnets; inferred from materials or titles naming magnets, 磁"},
	{"magnetic_flux_index", Number, "kG²mm²", "flux index of the strongest loose magnet", "attributes.magnetic_flux_index"},
	{"battery", Bool, "", "contains, is packed with or is a battery", "product.battery present"},
	{"battery.chemistry", String, "", "li-ion, li-polymer, lifepo4, li-metal, nimh, nicd, alkaline, zinc-carbon, lead-acid, other", "product.battery.chemistry"},
	{"battery.lithium", Bool, "", "a lithium battery (ion or metal)", "derived from battery.chemistry"},
	{"battery.packing", String, "", "contained_in_equipment, packed_with_equipment or standalone", "product.battery.packing"},
	{"battery.wh", Number, "Wh", "watt-hour rating per cell or battery (lithium ion)", "product.battery.wh"},
	{"battery.lithium_content_g", Number, "g", "lithium content per cell or battery (lithium metal)", "attributes.battery_lithium_content_g"},
	{"battery.state_of_charge_pct", Number, "%", "state of charge as shipped", "attributes.battery_state_of_charge_pct"},
	{"battery.un38_3_tested", Bool, "", "cells and batteries passed UN 38.3", "attributes.battery_un38_3_tested or certification un38_3"},
	{"battery.removable", Bool, "", "portable battery removable and replaceable by the end user", "attributes.battery_removable"},
	{"contains_liquid", Bool, "", "contains a liquid or gel", "attributes.contains_liquid; inferred from HS 22/33 and titles naming liquid, oil, 液"},
	{"liquid_ml", Number, "ml", "liquid volume per unit", "attributes.liquid_ml"},
	{"flammable", Bool, "", "flammable liquid, solid or gas", "attributes.flammable"},
	{"flash_point_c", Number, "°C", "flash point of a liquid", "attributes.flash_point_c"},
	{"aerosol", Bool, "", "is or contains an aerosol dispenser", "attributes.aerosol; inferred from titles naming spray can, aerosol, 喷雾"},
	{"dangerous_goods", Bool, "", "classified as dangerous goods for transport", "attributes.dangerous_goods; derived from battery, flammable, aerosol"},
	{"un_number", String, "", "UN number of the dangerous goods (UN3481)", "attributes.un_number; derived from the battery"},
	{"cosmetic", Bool, "", "a cosmetic product applied to the body", "attributes.cosmetic; inferred from HS 33.03–33.07"},
	{"food", Bool, "", "food, beverage or food supplement", "attributes.food; inferred from HS 01–24 except 05, 06, 13, 14, 24"},
	{"food_contact", Bool, "", "intended to come into contact with food", "attributes.food_contact; inferred from HS 3924.10, 6911, 6912, 7013, 7323, 8215"},
	{"textile", Bool, "", "a textile product (fibre content labelling)", "attributes.textile; inferred from HS 50–63"},
	{"footwear", Bool, "", "footwear", "inferred from HS 64"},
	{"jewellery", Bool, "", "jewellery or imitation jewellery", "inferred from HS 71.13, 71.17"},
	{"wood", Bool, "", "contains wood or wood products", "attributes.wood or materials; inferred from HS 44, 94.03"},
	{"leather", Bool, "", "contains leather", "materials"},
	{"cites_species", String, "", "CITES-listed animal or plant species contained", "attributes.cites_species; inferred from materials ivory, rhino horn, tortoiseshell, coral"},
	{"ivory", Bool, "", "contains ivory", "materials; inferred from HS 9601.10"},
	{"contains_mercury", Bool, "", "contains mercury", "attributes.contains_mercury"},
	{"laser_class", String, "", "laser product class (1, 2, 3R, 3B, 4)", "attributes.laser_class"},
	{"medical_device", Bool, "", "intended for a medical purpose", "attributes.medical_device; inferred from HS 90.18–90.22, 30.05"},
	{"ppe", Bool, "", "personal protective equipment", "attributes.ppe"},
	{"drone", Bool, "", "unmanned aircraft", "attributes.drone; inferred from HS 8806"},
	{"weapon", Bool, "", "a weapon, replica, or part of one", "attributes.weapon; inferred from HS 93"},
	{"tobacco_or_vape", Bool, "", "tobacco, e-cigarette or e-liquid", "attributes.tobacco_or_vape; inferred from HS 24, 8543.40"},
	{"plant_or_seed", Bool, "", "live plants, seeds or plant products", "inferred from HS 06, 12.09"},
	{"animal_product", Bool, "", "products of animal origin", "inferred from HS 01–05"},
	{"pesticide_or_biocide", Bool, "", "a pesticide, disinfectant or biocidal product", "attributes.pesticide_or_biocide; inferred from HS 38.08"},
	{"packaging", Bool, "", "the product ships in packaging placed on the market", "attributes.packaging; default true"},
	{"manufacturer_in_market", Bool, "", "manufacturer established in the destination market", "attributes.manufacturer_in_market; default: origin_country is the destination"},
	{"dual_use", Bool, "", "listed dual-use item (export control)", "attributes.dual_use"},
	{"encryption", Bool, "", "implements cryptographic functions", "attributes.encryption; inferred from radio or connected"},
	{"covered_equipment", Bool, "", "made by an entity on the FCC Covered List", "derived from the manufacturer against the sanctions data"},
	{"manufacturer", String, "", "manufacturer name", "attributes.manufacturer"},
}

// Categories is the category vocabulary rules select on.
var Categories = []string{
	"all", "toys", "childcare", "cosmetics", "food", "food_contact", "supplements", "electrical",
	"electronics", "radio", "lighting", "batteries", "textiles", "apparel", "footwear", "jewellery",
	"furniture", "wood", "chemicals", "medical_devices", "ppe", "machinery", "vehicles_parts",
	"sports", "pet", "plants", "animal_products", "tobacco", "alcohol", "weapons", "drones",
	"packaging", "stationery", "kitchen", "home", "tools", "luggage",
}

// EvidenceCodes is the evidence vocabulary: the marks, certificates,
// registrations, documents and responsible persons a rule may ask for. A
// product shows one by listing its code in certifications or labels, or by
// an attribute of the same name (attributes.fcc_id = "2ABCD-123").
var EvidenceCodes = map[string]string{
	"ce":                           "CE marking",
	"ukca":                         "UKCA marking",
	"eu_declaration":               "EU declaration of conformity",
	"uk_declaration":               "UK declaration of conformity",
	"test_report":                  "test report from an accredited laboratory",
	"technical_file":               "technical documentation",
	"eu_responsible_person":        "economic operator established in the EU (Art. 4 Regulation 2019/1020)",
	"uk_responsible_person":        "UK responsible person",
	"manufacturer_contact":         "manufacturer name and postal and electronic address on the product",
	"importer_contact":             "importer name and address on the product",
	"product_identifier":           "type, batch or serial number on the product",
	"safety_information":           "instructions and safety information in the destination language",
	"warning_label":                "warnings on the product or packaging",
	"age_warning":                  "age warning (e.g. not suitable for children under 36 months)",
	"weee_mark":                    "crossed-out wheeled bin symbol",
	"weee_registration":            "WEEE producer registration number",
	"battery_registration":         "battery producer registration number",
	"packaging_registration":       "packaging EPR registration number (e.g. LUCID in Germany)",
	"triman":                       "Triman logo and sorting information (France)",
	"fcc_id":                       "FCC ID (certification)",
	"fcc_sdoc":                     "FCC supplier's declaration of conformity",
	"cpc":                          "Children's Product Certificate (CPSIA)",
	"gcc":                          "General Certificate of Conformity (CPSC)",
	"tracking_label":               "CPSIA tracking label",
	"prop65_warning":               "California Proposition 65 warning",
	"fda_registration":             "FDA facility registration",
	"fda_listing":                  "FDA product listing (e.g. MoCRA cosmetics listing)",
	"cpnp":                         "EU Cosmetic Products Notification Portal notification",
	"scpn":                         "UK Submit Cosmetic Product Notification",
	"responsible_person_cosmetics": "cosmetics responsible person in the market",
	"ingredient_list":              "INCI ingredient list on the packaging",
	"food_contact_declaration":     "declaration of compliance for food-contact materials",
	"fibre_label":                  "textile fibre composition label",
	"pse":                          "PSE mark (Japan, Electrical Appliances and Materials Safety Act)",
	"giteki":                       "Giteki/TELEC technical conformity mark (Japan)",
	"kc":                           "KC mark (Korea)",
	"rcm":                          "Regulatory Compliance Mark (Australia)",
	"imda_registration":            "IMDA equipment registration (Singapore)",
	"spring_safety_mark":           "SAFETY mark for controlled goods (Singapore)",
	"sirim":                        "SIRIM certificate and label (Malaysia)",
	"mcmc":                         "MCMC communications equipment certificate (Malaysia)",
	"tisi":                         "TISI mark (Thailand)",
	"nbtc":                         "NBTC type approval (Thailand)",
	"cr_mark":                      "CR conformity mark (Vietnam)",
	"sni":                          "SNI certificate and mark (Indonesia)",
	"sdppi":                        "SDPPI/SDPPI telecom certificate (Indonesia)",
	"halal":                        "halal certificate",
	"ps_icc":                       "PS mark or ICC sticker (Philippines)",
	"ntc":                          "NTC type approval (Philippines)",
	"un38_3":                       "UN 38.3 test summary",
	"sds":                          "safety data sheet",
	"dg_declaration":               "shipper's declaration for dangerous goods",
	"lithium_battery_mark":         "lithium battery mark (IATA/ADR)",
	"cites_permit":                 "CITES export/import permit",
	"phytosanitary_certificate":    "phytosanitary certificate",
	"health_certificate":           "veterinary or health certificate",
	"export_licence":               "export licence",
	"origin_traceability":          "supply-chain traceability evidence (e.g. UFLPA)",
	"energy_label":                 "energy label and product database registration",
	"psti_statement":               "statement of compliance with the UK PSTI security requirements",
	"laser_label":                  "laser class label",
	"psc_mark":                     "PSC mark (Japan, Consumer Product Safety Act)",
	"kc_registration":              "KC certification number",
}
