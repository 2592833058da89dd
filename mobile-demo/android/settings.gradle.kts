// NephroDiary Android demo shell. Open this directory in Android Studio (Ladybug or newer), or
// run `gradle wrapper --gradle-version 8.9` once and then `./gradlew assembleDebug`.
// Build the native library and its Kotlin bindings first: ./build-android-libs.sh
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "NephroDiary"
include(":app")
