//! The REST `CheckoutTemplate` type and everything nested in it, transcribed from
//! the annotations of the published SDK types (`@wix/auto_sdk_ecom_checkout-templates`).

use crate::validate::{
    decimal, guid, int, string, string_len, timestamp, DecimalRule, Field, Ty, INT32,
};

pub const STATUSES: &[&str] = &["UNKNOWN_STATUS", "ACTIVE", "INACTIVE"];

const PRICE_3: DecimalRule = DecimalRule {
    gte: Some(0),
    gt: None,
    lte: Some(999_999_999),
    max_scale: Some(3),
};
const DEPOSIT_3: DecimalRule = DecimalRule {
    gte: None,
    gt: Some(0),
    lte: Some(999_999_999),
    max_scale: Some(3),
};
const CUSTOM_PRICE: DecimalRule = DecimalRule {
    gte: Some(0),
    gt: None,
    lte: Some(1_000_000_000_000_000),
    max_scale: None,
};
const MODIFIER_PRICE: DecimalRule = DecimalRule {
    gte: Some(0),
    gt: None,
    lte: Some(1_000_000_000_000_000),
    max_scale: Some(3),
};

const WEB_CLIENT: &[Field] = &[
    Field::new("disabledContinueShoppingButton", Ty::Bool),
    Field::new("disabledPolicyAgreementCheckbox", Ty::Bool),
];

const CUSTOMIZATION: &[Field] = &[
    Field::new("webClient", Ty::Obj(WEB_CLIENT)),
    Field::new("lockedGiftCard", Ty::Bool),
    Field::new("lockedCoupon", Ty::Bool),
    Field::new("disabledManualPayment", Ty::Bool),
];

/// A catalog line item's reference: both ids are required.
const CATALOG_REFERENCE: &[Field] = &[
    Field::new("catalogItemId", string_len(1, 36)).required(),
    Field::new("appId", string_len(1, usize::MAX)).required(),
    Field::new("options", Ty::Struct),
];

/// A custom line item's own reference, which no catalog reads: nothing in it
/// is required.
const CUSTOM_CATALOG_REFERENCE: &[Field] = &[
    Field::new("catalogItemId", string_len(1, 36)),
    Field::new("appId", string_len(1, usize::MAX)),
    Field::new("options", Ty::Struct),
];

const PRODUCT_NAME: &[Field] = &[
    Field::new("original", string_len(1, 200)),
    Field::new("translated", string_len(1, 400)),
];

const PLAIN_TEXT: &[Field] = &[
    Field::new("original", string_len(0, 600)),
    Field::new("translated", string_len(0, 600)),
];

const COLOR: &[Field] = &[
    Field::new("original", string_len(0, 500)),
    Field::new("translated", string_len(0, 500)),
    Field::new("code", string()),
];

const DESCRIPTION_LINE_NAME: &[Field] = &[
    Field::new("original", string_len(0, 100)),
    Field::new("translated", string_len(0, 200)),
];

const DESCRIPTION_LINE: &[Field] = &[
    Field::new("plainText", Ty::Obj(PLAIN_TEXT)),
    Field::new("colorInfo", Ty::Obj(COLOR)),
    Field::new("name", Ty::Obj(DESCRIPTION_LINE_NAME)),
];

/// A custom line item's description line, whose `name` is required.
const CUSTOM_DESCRIPTION_LINE: &[Field] = &[
    Field::new("plainText", Ty::Obj(PLAIN_TEXT)),
    Field::new("colorInfo", Ty::Obj(COLOR)),
    Field::new("name", Ty::Obj(DESCRIPTION_LINE_NAME)).required(),
];

const PHYSICAL_PROPERTIES: &[Field] = &[
    Field::new("weight", Ty::Num),
    Field::new("sku", string_len(0, 40)),
    Field::new("shippable", Ty::Bool),
];

const IMAGE: &[Field] = &[
    Field::new("id", string()),
    Field::new("height", INT32),
    Field::new("width", INT32),
    Field::new("altText", string()),
    Field::new("filename", string()),
];

pub const PAYMENT_OPTION_TYPES: &[&str] = &[
    "FULL_PAYMENT_ONLINE",
    "FULL_PAYMENT_OFFLINE",
    "MEMBERSHIP",
    "DEPOSIT_ONLINE",
    "MEMBERSHIP_OFFLINE",
    "MEMBERSHIP_ONLINE_WITH_OFFLINE_REMAINDER",
];

const PAYMENT_OPTION: &[Field] = &[Field::new("value", Ty::Enum(PAYMENT_OPTION_TYPES))];

const CATALOG_OVERRIDE_FIELDS: &[Field] = &[
    Field::new("productName", Ty::Obj(PRODUCT_NAME)),
    Field::new("price", decimal(PRICE_3)),
    Field::new("fullPrice", decimal(PRICE_3)),
    Field::new(
        "descriptionLines",
        Ty::Arr {
            of: &Ty::Obj(DESCRIPTION_LINE),
            min: 0,
            max: 20,
        },
    ),
    Field::new("physicalProperties", Ty::Obj(PHYSICAL_PROPERTIES)),
    Field::new("image", Ty::Obj(IMAGE)),
    Field::new("paymentOption", Ty::Obj(PAYMENT_OPTION)),
    Field::new("depositAmount", decimal(DEPOSIT_3)),
    Field::new("savePaymentMethod", Ty::Bool),
    Field::new("inventoryAppId", guid()),
];

const LINE_ITEM: &[Field] = &[
    Field::new("quantity", int(1, 100_000)).required(),
    Field::new("catalogReference", Ty::Obj(CATALOG_REFERENCE)).required(),
    Field::new("catalogOverrideFields", Ty::Obj(CATALOG_OVERRIDE_FIELDS)),
];

const PRICE_DESCRIPTION: &[Field] = &[
    Field::new("original", string_len(1, 100)),
    Field::new("translated", string_len(1, 100)),
];

const PAGE_URL: &[Field] = &[
    Field::new("relativePath", string()),
    Field::new("url", string()),
];

const ITEM_TYPE_PRESETS: &[&str] = &[
    "UNRECOGNISED",
    "PHYSICAL",
    "DIGITAL",
    "GIFT_CARD",
    "SERVICE",
];

const ITEM_TYPE: &[Field] = &[
    Field::new("preset", Ty::Enum(ITEM_TYPE_PRESETS)),
    Field::new("custom", string()),
];

const SERVICE_PROPERTIES: &[Field] = &[
    Field::new("scheduledDate", timestamp()),
    Field::new("numberOfParticipants", int(1, 10_000)),
];

const POLICY: &[Field] = &[
    Field::new("title", string_len(1, 29)),
    Field::new("content", string_len(1, 3000)),
];

const TAXABLE_ADDRESS: &[Field] = &[Field::new(
    "addressType",
    Ty::Enum(&["BUSINESS", "BILLING", "SHIPPING"]),
)];

const TRANSLATABLE_STRING: &[Field] = &[
    Field::new("original", string_len(1, 200)),
    Field::new("translated", string_len(1, 400)),
];

const ITEM_MODIFIER: &[Field] = &[
    Field::new("id", string_len(1, 36)),
    Field::new("quantity", int(1, 100_000)),
    Field::new("label", Ty::Obj(TRANSLATABLE_STRING)),
    Field::new("details", Ty::Obj(TRANSLATABLE_STRING)),
    Field::new("price", decimal(MODIFIER_PRICE)),
];

const MODIFIER_GROUP: &[Field] = &[
    Field::new("id", string_len(1, 36)),
    Field::new("name", Ty::Obj(TRANSLATABLE_STRING)),
    Field::new(
        "modifiers",
        Ty::Arr {
            of: &Ty::Obj(ITEM_MODIFIER),
            min: 1,
            max: 25,
        },
    ),
];

/// Required as `@requiredField` lists them (plus `quantity`, which the SDK's
/// input type makes non-null); `price` is not required.
const CUSTOM_LINE_ITEM: &[Field] = &[
    Field::new("quantity", int(1, 100_000)).required(),
    Field::new("price", decimal(CUSTOM_PRICE)),
    Field::new("priceDescription", Ty::Obj(PRICE_DESCRIPTION)),
    Field::new(
        "descriptionLines",
        Ty::Arr {
            of: &Ty::Obj(CUSTOM_DESCRIPTION_LINE),
            min: 0,
            max: 10,
        },
    ),
    Field::new("media", Ty::Obj(IMAGE)),
    Field::new("id", guid()).read_only(),
    Field::new("taxGroupId", guid()),
    Field::new("productName", Ty::Obj(PRODUCT_NAME)).required(),
    Field::new("url", Ty::Obj(PAGE_URL)),
    Field::new("itemType", Ty::OneOf(ITEM_TYPE)).required(),
    Field::new("fullPrice", decimal(DecimalRule::ANY)),
    Field::new("quantityAvailable", int(i32::MIN as i64, 100_000)),
    Field::new("physicalProperties", Ty::Obj(PHYSICAL_PROPERTIES)),
    Field::new("paymentOption", Ty::Enum(PAYMENT_OPTION_TYPES)),
    Field::new("serviceProperties", Ty::Obj(SERVICE_PROPERTIES)),
    Field::new("rootCatalogItemId", string_len(1, 36)),
    Field::new("depositAmount", decimal(DecimalRule::ANY)),
    Field::new("deliveryProfileId", guid()),
    Field::new("catalogReference", Ty::Obj(CUSTOM_CATALOG_REFERENCE)),
    Field::new("priceUndetermined", Ty::Bool),
    Field::new("fixedQuantity", Ty::Bool),
    Field::new("consentRequiredPaymentPolicy", string_len(1, 1000)).read_only(),
    Field::new("savePaymentMethod", Ty::Bool).read_only(),
    Field::new(
        "policies",
        Ty::Arr {
            of: &Ty::Obj(POLICY),
            min: 0,
            max: 5,
        },
    ),
    Field::new("membersOnly", Ty::Bool),
    Field::new("taxableAddress", Ty::Obj(TAXABLE_ADDRESS)),
    Field::new(
        "modifierGroups",
        Ty::Arr {
            of: &Ty::Obj(MODIFIER_GROUP),
            min: 0,
            max: 25,
        },
    ),
];

const CUSTOM_CONTENT_REFERENCE: &[Field] = &[
    Field::new("appId", guid()),
    Field::new("componentId", guid()),
];

const EXTERNAL_REFERENCE: &[Field] = &[
    Field::new("appId", guid()),
    Field::new("resourceId", string_len(1, 100)),
];

pub const MAX_LINE_ITEMS: usize = 300;

/// The writable fields of a checkout template (`id` is read-only and handled by the service).
pub const CHECKOUT_TEMPLATE: &[Field] = &[
    Field::new("id", guid()).read_only(),
    Field::new("status", Ty::Enum(STATUSES)),
    Field::new("customization", Ty::Obj(CUSTOMIZATION)),
    Field::new(
        "lineItems",
        Ty::Arr {
            of: &Ty::Obj(LINE_ITEM),
            min: 0,
            max: MAX_LINE_ITEMS,
        },
    ),
    Field::new(
        "customLineItems",
        Ty::Arr {
            of: &Ty::Obj(CUSTOM_LINE_ITEM),
            min: 0,
            max: MAX_LINE_ITEMS,
        },
    ),
    Field::new("couponCode", string()),
    Field::new("customContentReference", Ty::Obj(CUSTOM_CONTENT_REFERENCE)),
    Field::new("externalReference", Ty::Obj(EXTERNAL_REFERENCE)),
];
