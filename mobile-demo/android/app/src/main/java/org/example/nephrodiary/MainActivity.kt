package org.example.nephrodiary

import android.Manifest
import android.content.Intent
import android.net.Uri
import android.os.Build
import android.os.Bundle
import android.provider.Settings
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.result.contract.ActivityResultContracts
import androidx.activity.viewModels
import androidx.core.content.FileProvider
import androidx.lifecycle.lifecycleScope
import kotlinx.coroutines.launch
import org.example.nephrodiary.ui.AppScreen
import org.example.nephrodiary.ui.AppViewModel

class MainActivity : ComponentActivity() {
    private val viewModel: AppViewModel by viewModels()

    private val notificationPermission = registerForActivityResult(ActivityResultContracts.RequestPermission()) {}

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
            notificationPermission.launch(Manifest.permission.POST_NOTIFICATIONS)
        }
        setContent {
            AppScreen(viewModel, onOpenExactAlarmSettings = ::openExactAlarmSettings)
        }
        // Hand a finished export to the share sheet.
        lifecycleScope.launch {
            viewModel.state.collect { state ->
                val file = state.sharedFile ?: return@collect
                val uri = FileProvider.getUriForFile(this@MainActivity, "$packageName.exports", file)
                val type = if (file.name.endsWith(".html")) "text/html" else "application/fhir+json"
                val send = Intent(Intent.ACTION_SEND).setType(type).putExtra(Intent.EXTRA_STREAM, uri)
                    .addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION)
                startActivity(Intent.createChooser(send, file.name))
                viewModel.shareHandled()
            }
        }
    }

    override fun onResume() {
        super.onResume()
        viewModel.onResume()
    }

    /** Android 12+: the "Alarms & reminders" page of this app. */
    private fun openExactAlarmSettings() {
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) {
            startActivity(Intent(Settings.ACTION_REQUEST_SCHEDULE_EXACT_ALARM, Uri.parse("package:$packageName")))
        }
    }
}
