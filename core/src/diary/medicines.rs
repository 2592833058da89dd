//! Adding a medicine other than a regimen or a steroid course (clinical-rules §12): it is
//! validated and its amount measured ([`NewMedicine::validate`]: a liquid's volume in whole
//! syringe graduations) before the store's write (`Store::insert_medicine` only stores). A method
//! of [`Store`] so that a shell keeps one object.

use crate::error::Result;
use crate::medicine::record::{Medicine, NewMedicine};
use crate::store::Store;

impl Store {
    /// Adds a medicine. Bad input is refused naming the field and nothing is stored (see
    /// [`NewMedicine::validate`]); an unknown patient is `not_found`. Adding the same `client_id`
    /// again returns the stored medicine when it is the same request, and is a conflict when not.
    pub fn add_medicine(&mut self, new: &NewMedicine) -> Result<Medicine> {
        let dose = new.validate()?;
        self.insert_medicine(new, dose)
    }
}
