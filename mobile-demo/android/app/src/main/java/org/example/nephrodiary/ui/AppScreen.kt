package org.example.nephrodiary.ui

import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.DateRange
import androidx.compose.material.icons.filled.Edit
import androidx.compose.material.icons.filled.Home
import androidx.compose.material.icons.filled.Search
import androidx.compose.material.icons.filled.List
import androidx.compose.material.icons.filled.Share
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.vector.ImageVector
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.example.nephrodiary.R

private enum class Tab(val label: Int, val icon: ImageVector) {
    TODAY(R.string.tab_today, Icons.Filled.Home),
    DIPSTICK(R.string.tab_dipstick, Icons.Filled.Edit),
    CAMERA(R.string.tab_camera, Icons.Filled.Search),
    STEROIDS(R.string.tab_steroids, Icons.Filled.DateRange),
    LABS(R.string.tab_labs, Icons.Filled.List),
    SHARE(R.string.tab_share, Icons.Filled.Share),
}

/** The app: six tabs over one state. */
@Composable
fun AppScreen(viewModel: AppViewModel, onOpenExactAlarmSettings: () -> Unit) {
    val state by viewModel.state.collectAsStateWithLifecycle()
    var tab by rememberSaveable { mutableStateOf(Tab.TODAY) }
    MaterialTheme {
        Scaffold(
            bottomBar = {
                NavigationBar {
                    Tab.entries.forEach {
                        NavigationBarItem(
                            selected = tab == it,
                            onClick = { tab = it },
                            icon = { Icon(it.icon, contentDescription = null) },
                            label = { Text(stringResource(it.label)) },
                        )
                    }
                }
            },
        ) { padding ->
            Box(Modifier.fillMaxSize().padding(padding)) {
                when {
                    state.loading -> CircularProgressIndicator(Modifier.align(Alignment.Center))
                    state.patientId == null -> Column(Modifier.align(Alignment.Center).padding(24.dp)) {
                        Button(onClick = viewModel::setUpDemoFamily) { Text(stringResource(R.string.set_up_demo)) }
                    }
                    else -> when (tab) {
                        Tab.TODAY -> TodayTab(state, onLog = viewModel::log, onOpenExactAlarmSettings = onOpenExactAlarmSettings)
                        Tab.DIPSTICK -> DipstickTab(state.today, onSave = viewModel::logDipstick)
                        Tab.CAMERA -> DipstickCameraTab(
                            state.camera,
                            readWindowS = 30.0 to 90.0, // as printed on the demo's bottle; a setting in a real app
                            onPhoto = { photo, layout, seconds -> viewModel.suggestFromPhoto(photo, layout, seconds, 30.0 to 90.0) },
                            onConfirm = viewModel::confirmPhotoGrade,
                        )
                        Tab.STEROIDS -> {
                            LaunchedEffect(state.today) { viewModel.loadCalendar() }
                            SteroidCalendarTab(state.calendar)
                        }
                        Tab.LABS -> {
                            LaunchedEffect(Unit) { viewModel.loadLabs() }
                            LabsTab(state.labs)
                        }
                        Tab.SHARE -> ShareReportTab(onShare = viewModel::share)
                    }
                }
                state.error?.let {
                    Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.align(Alignment.BottomCenter).padding(16.dp))
                }
            }
        }
    }
}
