//! Runtime CPU feature detection shared by the SIMD engines.
//!
//! Detection runs once per process (std caches the CPUID / auxv answers in
//! atomics), so it is lock-free and safe from any thread.

/// The widest instruction set the engines use on the running CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimdLevel {
    Scalar,
    Sse41,
    Avx2,
    Avx512,
    Neon,
}

impl SimdLevel {
    /// The name reported by `ferrocodec.build_info()["simd"]`.
    pub fn name(self) -> &'static str {
        match self {
            SimdLevel::Scalar => "scalar",
            SimdLevel::Sse41 => "sse4.1",
            SimdLevel::Avx2 => "avx2",
            SimdLevel::Avx512 => "avx512",
            SimdLevel::Neon => "neon",
        }
    }
}

/// Detects the instruction set of the running CPU.
pub fn detect() -> SimdLevel {
    #[cfg(any(target_arch = "x86", simd_x86))]
    {
        if std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512bw")
            && std::is_x86_feature_detected!("avx512vbmi")
        {
            return SimdLevel::Avx512;
        }
        if std::is_x86_feature_detected!("avx2") {
            return SimdLevel::Avx2;
        }
        if std::is_x86_feature_detected!("sse4.1") {
            return SimdLevel::Sse41;
        }
        SimdLevel::Scalar
    }
    #[cfg(target_arch = "aarch64")]
    {
        if std::arch::is_aarch64_feature_detected!("neon") {
            return SimdLevel::Neon;
        }
        SimdLevel::Scalar
    }
    #[cfg(not(any(target_arch = "x86", simd_x86, target_arch = "aarch64")))]
    {
        SimdLevel::Scalar
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_is_stable_and_named() {
        let a = detect();
        assert_eq!(a, detect());
        assert!(!a.name().is_empty());
    }
}
