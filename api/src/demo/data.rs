//! The curated names, places and products of the demo data set.

use entity::enums::{AggregatorKind, ChannelKind, SellerSector};

pub const DEMO_PASSWORD: &str = "demo-password-123";
pub const DEMO_ADMIN_EMAIL: &str = "admin@dermaga.demo";

pub struct DemoAggregator {
    pub slug: &'static str,
    pub name: &'static str,
    pub kind: AggregatorKind,
    pub province: &'static str,
    pub cities: &'static [&'static str],
}

pub const AGGREGATORS: &[DemoAggregator] = &[
    DemoAggregator {
        slug: "jne-medan",
        name: "JNE Digital UMKM Medan",
        kind: AggregatorKind::CourierPartner,
        province: "Sumatera Utara",
        cities: &["Kota Medan", "Kabupaten Deli Serdang", "Kota Binjai"],
    },
    DemoAggregator {
        slug: "dinkop-semarang",
        name: "Dinas Koperasi dan UKM Kota Semarang",
        kind: AggregatorKind::GovernmentOffice,
        province: "Jawa Tengah",
        cities: &["Kota Semarang", "Kabupaten Kendal", "Kabupaten Demak"],
    },
    DemoAggregator {
        slug: "koperasi-jambi",
        name: "Koperasi Pinang Masak Jambi",
        kind: AggregatorKind::Cooperative,
        province: "Jambi",
        cities: &["Kota Jambi", "Kabupaten Muaro Jambi"],
    },
    DemoAggregator {
        slug: "umkm-batam",
        name: "Komunitas UMKM Naik Kelas Batam",
        kind: AggregatorKind::Community,
        province: "Kepulauan Riau",
        cities: &["Kota Batam", "Kabupaten Bintan"],
    },
    DemoAggregator {
        slug: "pecel-digital-madiun",
        name: "PT Pecel Digital Madiun",
        kind: AggregatorKind::Company,
        province: "Jawa Timur",
        cities: &["Kota Madiun", "Kabupaten Madiun", "Kabupaten Magetan"],
    },
];

/// (sector, business names, (product title, category slug, base price in rupiah, weight g, option name, options))
pub type ProductTemplate = (
    &'static str,
    &'static str,
    i64,
    i32,
    &'static str,
    &'static [&'static str],
);

pub const SECTORS: &[(SellerSector, &[&str], &[ProductTemplate])] = &[
    (
        SellerSector::FoodAndDrink,
        &[
            "Keripik Tempe Bu Sari",
            "Sambal Roa Mama Ina",
            "Kopi Sidikalang Pak Tigor",
            "Bolu Meranti Kak Rina",
            "Lempok Durian Mak Ida",
            "Bandeng Presto Juwana",
        ],
        &[
            (
                "Keripik Tempe Renyah",
                "keripik-camilan",
                15_000,
                250,
                "rasa",
                &["Original", "Pedas", "Balado"],
            ),
            (
                "Sambal Roa Botol",
                "sambal-bumbu",
                35_000,
                200,
                "level",
                &["Sedang", "Pedas"],
            ),
            (
                "Kopi Bubuk Arabika",
                "kopi-teh",
                65_000,
                250,
                "gilingan",
                &["Halus", "Sedang", "Kasar"],
            ),
            (
                "Bolu Gulung Meranti",
                "kue-roti",
                90_000,
                600,
                "rasa",
                &["Keju", "Cokelat"],
            ),
            (
                "Teh Serai Jahe",
                "minuman-tradisional",
                25_000,
                100,
                "isi",
                &["10 sachet", "20 sachet"],
            ),
            (
                "Rendang Daging Kemasan",
                "lauk-frozen",
                85_000,
                300,
                "ukuran",
                &["250 g", "500 g"],
            ),
        ],
    ),
    (
        SellerSector::Fashion,
        &[
            "Batik Semarangan Bu Umi",
            "Tenun Songket Jambi Kak Lia",
            "Hijab Cantik Batam",
            "Tas Rajut Madiun",
        ],
        &[
            (
                "Kemeja Batik Tulis",
                "batik",
                350_000,
                300,
                "ukuran",
                &["M", "L", "XL"],
            ),
            (
                "Kain Songket Motif Pucuk Rebung",
                "tenun-songket",
                1_250_000,
                500,
                "warna",
                &["Merah", "Emas"],
            ),
            (
                "Hijab Segi Empat Voal",
                "hijab-muslim",
                75_000,
                120,
                "warna",
                &["Hitam", "Mocca", "Sage"],
            ),
            (
                "Tas Rajut Tangan",
                "tas-dompet",
                185_000,
                400,
                "warna",
                &["Krem", "Cokelat"],
            ),
        ],
    ),
    (
        SellerSector::Crafts,
        &[
            "Anyaman Rotan Pak Darmo",
            "Ukiran Kayu Jepara Mas Bayu",
            "Gerabah Kasongan Bu Tini",
        ],
        &[
            (
                "Keranjang Rotan Serbaguna",
                "anyaman",
                120_000,
                800,
                "ukuran",
                &["Kecil", "Besar"],
            ),
            (
                "Hiasan Dinding Ukir",
                "ukiran-kayu",
                450_000,
                2_000,
                "ukuran",
                &["40 cm", "60 cm"],
            ),
            (
                "Vas Gerabah Hias",
                "gerabah-keramik",
                95_000,
                1_500,
                "motif",
                &["Polos", "Lukis"],
            ),
            (
                "Gelang Manik Etnik",
                "perhiasan-aksesoris",
                35_000,
                50,
                "warna",
                &["Biru", "Merah"],
            ),
        ],
    ),
    (
        SellerSector::Agriculture,
        &[
            "Beras Organik Tani Makmur",
            "Madu Hutan Kerinci",
            "Rempah Nusantara Pak Udin",
        ],
        &[
            (
                "Beras Organik Pandan Wangi",
                "beras-biji",
                85_000,
                5_000,
                "kemasan",
                &["5 kg", "10 kg"],
            ),
            (
                "Madu Hutan Murni",
                "madu-gula",
                120_000,
                500,
                "isi",
                &["250 ml", "500 ml"],
            ),
            (
                "Kayu Manis Kerinci",
                "rempah",
                30_000,
                200,
                "kemasan",
                &["100 g", "250 g"],
            ),
            (
                "Gula Aren Cair",
                "madu-gula",
                40_000,
                350,
                "isi",
                &["250 ml", "500 ml"],
            ),
        ],
    ),
    (
        SellerSector::Services,
        &["Katering Sehat Mbak Yuni", "Jahit Kebaya Bu Ratna"],
        &[
            (
                "Paket Nasi Kotak",
                "katering",
                30_000,
                0,
                "menu",
                &["Ayam Bakar", "Rendang"],
            ),
            (
                "Jahit Kebaya Custom",
                "jahit-permak",
                400_000,
                0,
                "bahan",
                &["Brokat", "Katun"],
            ),
        ],
    ),
    (
        SellerSector::Beauty,
        &["Jamu Gendong Mbok Darmi", "Lulur Tradisional Sekar"],
        &[
            (
                "Jamu Kunyit Asam",
                "jamu-herbal",
                20_000,
                300,
                "isi",
                &["250 ml", "500 ml"],
            ),
            (
                "Lulur Rempah Bali",
                "perawatan-tubuh",
                55_000,
                200,
                "aroma",
                &["Melati", "Cendana"],
            ),
        ],
    ),
];

pub const CHANNELS: &[(&str, &str, ChannelKind)] = &[
    ("TOKOPEDIA", "Tokopedia", ChannelKind::Marketplace),
    ("SHOPEE", "Shopee", ChannelKind::Marketplace),
    ("GOFOOD", "GoFood", ChannelKind::FoodDelivery),
    ("GRABFOOD", "GrabFood", ChannelKind::FoodDelivery),
    ("TIKTOK_SHOP", "TikTok Shop", ChannelKind::SocialCommerce),
    ("E_KATALOG", "e-Katalog LKPP", ChannelKind::Procurement),
    ("PAMERAN_UMKM", "Pameran Virtual UMKM", ChannelKind::Expo),
];

/// What was loaded, for the console.
pub const OWNERS: &[&str] = &[
    "Sari Wulandari",
    "Budi Santoso",
    "Tigor Simanjuntak",
    "Rina Marpaung",
    "Ida Ayu Lestari",
    "Darmo Wiyono",
    "Yuni Astuti",
    "Udin Saprudin",
    "Ratna Dewi",
    "Lia Hasibuan",
    "Bayu Pratama",
    "Tini Suharti",
];

pub fn short_city(city: &str) -> &str {
    city.trim_start_matches("Kota ")
        .trim_start_matches("Kabupaten ")
}
