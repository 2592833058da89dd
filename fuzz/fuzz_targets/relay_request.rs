//! What a request to the relay carries, as anyone on the internet could send it: an
//! `Authorization` header, a blob's name or a listing's prefix, a claim token, a sealed holder
//! and the JSON bodies of registrations. Each is refused with the field at fault or decoded,
//! never a panic; what decodes encodes back to the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nephro_relay::protocol::{
    self, BlobName, RegisterAdmission, RegisterDevice, RegisterFamily,
};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(caller) = protocol::parse_authorization(&text) {
        assert_eq!(protocol::parse_authorization(&caller.header()), Ok(caller));
    }
    match protocol::parse_blob_name(&text) {
        Ok(BlobName::Batch {
            device,
            epoch,
            sequence,
        }) => {
            let name = format!("batches/{}/{epoch:08x}-{sequence:016x}", protocol::hex(&device));
            assert_eq!(name, text);
        }
        Ok(BlobName::Other(name)) => assert_eq!(name, text),
        Err(refusal) => assert_eq!(refusal.field, "name"),
    }
    let _ = protocol::parse_claim_token(&text);
    let _ = protocol::check_holder(data);
    if let Ok(family) = protocol::decode_json::<RegisterFamily>(data) {
        let _ = protocol::decode_registration(&family.device, &family.verifier);
    }
    if let Ok(device) = protocol::decode_json::<RegisterDevice>(data) {
        let _ = protocol::decode_registration(&device.device, &device.verifier);
    }
    let _ = protocol::decode_json::<RegisterAdmission>(data);
});
